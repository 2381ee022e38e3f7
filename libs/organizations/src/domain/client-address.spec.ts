import { rateLimitSubject } from './client-address.js';

describe('rateLimitSubject', () => {
  it('counts IPv4 by the address, also when IPv4-mapped', () => {
    expect(rateLimitSubject('203.0.113.7')).toBe('203.0.113.7');
    expect(rateLimitSubject('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts IPv6 by its /64, however it is written', () => {
    const subject = '2001:db8:0:12::/64';
    expect(rateLimitSubject('2001:db8:0:12::1')).toBe(subject);
    expect(rateLimitSubject('2001:0db8:0000:0012:abcd:ef01:2345:6789')).toBe(subject);
    expect(rateLimitSubject('2001:DB8:0:12:ffff::')).toBe(subject);
    expect(rateLimitSubject('2001:db8:0:13::1')).not.toBe(subject);
    expect(rateLimitSubject('::1')).toBe('0:0:0:0::/64');
    expect(rateLimitSubject('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(rateLimitSubject('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
