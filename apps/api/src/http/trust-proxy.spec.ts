import Fastify from 'fastify';
import { trustProxyOption } from './trust-proxy.js';

/** The client address Fastify reports for a request from 127.0.0.1 carrying `forwarded`. */
async function ipSeen(trust: Parameters<typeof trustProxyOption>[0], forwarded: string): Promise<string> {
  const app = Fastify({ trustProxy: trustProxyOption(trust) });
  app.get('/', async (request) => ({ ip: request.ip }));
  const res = await app.inject({ url: '/', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': forwarded } });
  await app.close();
  return res.json().ip;
}

describe('trustProxyOption', () => {
  it('believes X-Forwarded-For only as configured', async () => {
    expect(await ipSeen(false, '203.0.113.9')).toBe('127.0.0.1');
    expect(await ipSeen(true, '198.51.100.1, 203.0.113.9')).toBe('198.51.100.1');
    expect(await ipSeen(1, '198.51.100.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(await ipSeen(2, '198.51.100.1, 203.0.113.9')).toBe('198.51.100.1');
    expect(await ipSeen(['loopback'], '198.51.100.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(await ipSeen(['10.0.0.0/8'], '203.0.113.9')).toBe('127.0.0.1');
  });
});
