/**
 * The origins allowed to frame a campaign's donate widget (`/embed/c/:slug`), sent as CSP
 * `frame-ancestors`. Each one is a bare origin (scheme, host, optional port; no path, query,
 * fragment or credentials), https, or http on a loopback host for development (browsers treat
 * loopback as a secure context). Stored in the URL standard's serialization (`new URL().origin`:
 * lower-case host, punycode, default port dropped), so a CSP source can never carry anything else.
 */
export const MAX_EMBED_ORIGINS = 10;
export const MAX_EMBED_ORIGIN_LENGTH = 200;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1']);
const SERIALIZED = /^https?:\/\/[a-z0-9.:-]+$/;

/** The canonical origin for `value`, or null when it is not an origin allowed to frame the widget. */
export function normalizeEmbedOrigin(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_EMBED_ORIGIN_LENGTH) return null;
  // Only the origin itself (a trailing slash is tolerated): no whitespace or other CSP syntax.
  if (!/^https?:\/\/[^/?#\s;,'"*\\]+\/?$/i.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure || !url.hostname.includes('.') && !LOOPBACK_HOSTS.has(url.hostname)) return null;
  const origin = url.origin;
  return SERIALIZED.test(origin) ? origin : null;
}

/** The canonical, de-duplicated list; null when any entry is refused or there are too many. */
export function normalizeEmbedOrigins(values: readonly unknown[]): string[] | null {
  const origins: string[] = [];
  for (const value of values) {
    const origin = normalizeEmbedOrigin(value);
    if (origin === null) return null;
    if (!origins.includes(origin)) origins.push(origin);
  }
  return origins.length > MAX_EMBED_ORIGINS ? null : origins;
}
