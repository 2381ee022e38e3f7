import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * Issue 23, item 4: docker compose runs two APIs behind HAProxy and two workers. No Docker engine runs
 * in the tests, so the wiring is checked by reading: the balancer's servers are the two API services on
 * the port they listen on, it checks them on the readiness route, the sandbox's webhooks go to it, and
 * nothing but the balancer publishes the API. test/scale runs the same haproxy.cfg on loopback.
 */
type Service = { command?: string[]; environment?: Record<string, string>; ports?: string[]; deploy?: { replicas?: number }; volumes?: string[]; depends_on?: unknown };

const dockerDir = path.join(import.meta.dirname, '..', '..', 'docker');
const compose = parse(readFileSync(path.join(dockerDir, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const haproxy = readFileSync(path.join(dockerDir, 'haproxy.cfg'), 'utf8');
/** `${NAME-default}` of the config: the value the balancer uses when NAME is unset, as in compose. */
const defaultOf = (name: string) => new RegExp(`\\$\\{${name}-([^}]+)\\}`).exec(haproxy)?.[1];

describe('docker compose: two APIs behind HAProxy, two workers', () => {
  it('the balancer sends to api-1 and api-2, on the port their configuration listens on', () => {
    for (const [service, variable] of [['api-1', 'API_1'], ['api-2', 'API_2']] as const) {
      const api = compose.services[service];
      expect(api.command).toEqual(['node', '--enable-source-maps', 'dist/apps/api/src/main.js']);
      expect(api.environment?.API_HOST).toBe('0.0.0.0');
      // API_PORT unset: the config's default, 3000.
      expect(api.environment?.API_PORT).toBeUndefined();
      expect(defaultOf(variable)).toBe(`${service}:3000`);
      expect(api.ports).toBeUndefined();
    }
    expect(compose.services['api-2'].environment).toEqual(compose.services['api-1'].environment);
    expect(compose.services.balancer.ports).toContain('3000:3000');
    expect(defaultOf('HAPROXY_BIND')).toBe(':3000');
    expect(compose.services.balancer.volumes).toContain('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
  });

  it('checks each API on its readiness route and trusts only one proxy hop for client addresses', () => {
    expect(haproxy).toMatch(/http-check send meth GET uri \/health\/ready\n/);
    expect(haproxy).toMatch(/http-check expect status 200\n/);
    expect(haproxy).toMatch(/option forwardfor/);
    expect(compose.services['api-1'].environment?.TRUST_PROXY).toBe('1');
  });

  it('the sandbox delivers webhooks to the balancer, and two workers run', () => {
    expect(compose.services['stripe-sandbox'].environment?.SANDBOX_WEBHOOK_URL).toBe('http://balancer:3000/webhooks/stripe');
    expect(compose.services.worker.deploy?.replicas).toBe(2);
    expect(compose.services.worker.command).toEqual(['node', '--enable-source-maps', 'dist/apps/worker/src/main.js']);
    // Only the balancer reaches the APIs from outside.
    expect(compose.services.api).toBeUndefined();
  });
});
