import type { AppConfig } from '@ataa/config';

type TrustProxyOption = boolean | string[] | ((address: string, hop: number) => boolean);

/**
 * TRUST_PROXY as Fastify's trustProxy. Fastify now reads a bare hop count as "trust nobody", so a
 * count becomes the classic rule: believe the nearest `n` hops (the API must be reachable only
 * through those proxies, as with `true`).
 */
export function trustProxyOption(value: AppConfig['TRUST_PROXY']): TrustProxyOption {
  if (typeof value !== 'number') return value;
  return (_address, hop) => hop < value;
}
