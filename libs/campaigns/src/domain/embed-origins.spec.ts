import { normalizeEmbedOrigin, normalizeEmbedOrigins } from './embed-origins.js';

describe('embed origins', () => {
  it('keeps https origins in their canonical form', () => {
    expect(normalizeEmbedOrigin('https://charity.example.org')).toBe('https://charity.example.org');
    expect(normalizeEmbedOrigin('https://Charity.Example.org/')).toBe('https://charity.example.org');
    expect(normalizeEmbedOrigin('https://charity.example.org:443')).toBe('https://charity.example.org');
    expect(normalizeEmbedOrigin('https://charity.example.org:8443')).toBe('https://charity.example.org:8443');
    expect(normalizeEmbedOrigin('https://مثال.com')).toBe('https://xn--mgbh0fb.com');
  });

  it('allows http only on a loopback host', () => {
    expect(normalizeEmbedOrigin('http://127.0.0.1:4000')).toBe('http://127.0.0.1:4000');
    expect(normalizeEmbedOrigin('http://localhost:4000')).toBe('http://localhost:4000');
    expect(normalizeEmbedOrigin('http://charity.example.org')).toBeNull();
  });

  it.each([
    'charity.example.org', 'https://charity.example.org/donate', 'https://charity.example.org?x=1', 'https://charity.example.org#top',
    'https://user:pw@charity.example.org', "https://a.org 'unsafe-inline'", 'https://a.org; script-src *', 'https://*.example.org', '*',
    "'self'", 'javascript:alert(1)', 'data:text/html,x', 'ftp://a.org', 'https://intranet', 'https://a.org,https://b.org', '',
    `https://${'a'.repeat(200)}.org`, 42, null,
  ])('refuses %p', (value) => {
    expect(normalizeEmbedOrigin(value)).toBeNull();
  });

  it('de-duplicates a list and refuses a list with one bad entry or too many', () => {
    expect(normalizeEmbedOrigins(['https://a.org', 'https://A.org/', 'https://b.org'])).toEqual(['https://a.org', 'https://b.org']);
    expect(normalizeEmbedOrigins(['https://a.org', 'http://b.org'])).toBeNull();
    expect(normalizeEmbedOrigins(Array.from({ length: 11 }, (_, i) => `https://a${i}.org`))).toBeNull();
    expect(normalizeEmbedOrigins([])).toEqual([]);
  });
});
