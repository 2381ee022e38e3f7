import fastifyCompress from '@fastify/compress';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import zlib from 'node:zlib';

/** Bodies below this many bytes are sent as they are. */
export const COMPRESS_THRESHOLD = 1024;

/** The answers worth compressing: pages, JSON (problem documents too) and the CSV and JSON lines exports. */
export const COMPRESSIBLE = /^(?:text\/(?:html|csv)|application\/(?:(?:problem\+)?json|x-ndjson))\s*(?:;|$)/i;

/**
 * Compresses responses (issue 18) with brotli or gzip, as the client accepts (br preferred; quality 4,
 * the plugin's default, fast enough to stream the CSV export). Only COMPRESSIBLE types (images, fonts
 * and assets pass as they are), and only bodies of 1 KB or more; a stream (the CSV export) is always
 * compressed, as it flows, backpressure kept. It runs in onSend, after the routes' conditional checks: a
 * 304 has no body and is never touched. The ETag stays the one of the content (the same for every
 * encoding: our ETags name the log version and the request, and If-None-Match is compared weakly);
 * compressed answers add `Vary: Accept-Encoding`. Request bodies are not decompressed
 * (`globalDecompression: false`): the webhook's raw body and every parser see the bytes as sent.
 * The public ledger's cached answers come compressed already (compressed once per cached version,
 * `PublicLedgerCache.encoded`), which the plugin then leaves alone: not once per request.
 * Register before the routes (the plugin hooks each route as it is added).
 */
export async function registerCompression(app: NestFastifyApplication): Promise<void> {
  await app.register(fastifyCompress as never, {
    global: true,
    globalDecompression: false,
    encodings: ['br', 'gzip'],
    threshold: COMPRESS_THRESHOLD,
    customTypes: COMPRESSIBLE,
  });
}

export type ContentCoding = 'br' | 'gzip';

/**
 * The coding to answer with for an Accept-Encoding header (RFC 9110 §12.5.3): the accepted one of
 * br and gzip with the highest q (br on a tie), `*` standing for those not named; null when neither
 * is acceptable (q=0, or not asked for). For answers compressed ahead (the public ledger's cache).
 */
export function acceptedCoding(header: string | string[] | undefined): ContentCoding | null {
  if (header === undefined) return null;
  const weight = codingWeights(header);
  const br = weight('br');
  const gzip = weight('gzip');
  if (br <= 0 && gzip <= 0) return null;
  return br >= gzip ? 'br' : 'gzip';
}

/** Whether gzip is acceptable (q > 0) for an Accept-Encoding header: for answers compressed ahead in gzip only. */
export function gzipAcceptable(header: string | string[] | undefined): boolean {
  return header !== undefined && codingWeights(header)('gzip') > 0;
}

/** Each coding's q in an Accept-Encoding header, `*` standing for those not named, 0 when refused or not asked for. */
function codingWeights(header: string | string[]): (coding: ContentCoding) => number {
  const q = new Map<string, number>();
  for (const part of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const given = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = given === undefined ? 1 : Number(given.slice(2));
    q.set(name.trim(), Number.isFinite(value) ? value : 0);
  }
  return (coding) => q.get(coding) ?? q.get('*') ?? 0;
}

/** Compresses a whole body as the plugin would (brotli quality 4, gzip level 6). */
export function compressBody(body: Buffer | string, coding: ContentCoding): Buffer {
  return coding === 'br'
    ? zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT, [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } })
    : zlib.gzipSync(body);
}

/**
 * Compresses a body for one answer that is not kept (brotli quality 1, gzip level 1): on an 18 kB ledger
 * page about 60 µs against 150 µs at quality 4, for 10–20 % more bytes. An answer sent once is not worth
 * the better setting; one that is kept is compressed once with it (PublicLedgerCache.encoded).
 * A body given as parts is gathered in a scratch buffer that is reused (compression here is synchronous),
 * and the output is made in chunks small enough for Node's buffer pool: a fresh 16 kB output buffer and a
 * concatenated copy of each page were ArrayBuffers outside the heap, and thousands a second of them kept
 * V8 in back-to-back full collections (a mark-compact every 400 ms, pauses of 10–20 ms: the p99 of
 * compressed ledger pages was 40–60 ms against 9 ms uncompressed).
 */
export function compressBodyOnce(body: Buffer | string | readonly (Buffer | string)[], coding: ContentCoding): Buffer {
  const input = typeof body === 'string' || Buffer.isBuffer(body) ? body : gather(body);
  return coding === 'br'
    ? zlib.brotliCompressSync(input, {
        chunkSize: ONCE_CHUNK,
        params: { [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT, [zlib.constants.BROTLI_PARAM_QUALITY]: 1, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: input.length },
      })
    : zlib.gzipSync(input, { level: 1, chunkSize: ONCE_CHUNK });
}

/**
 * The output chunk: about a compressed ledger page. Node's default (16 kB) and anything near half of
 * Buffer.poolSize (64 kB on Node 24) cost a new or a pooled 16–32 kB per call; a small chunk is a slice
 * of the pool, more chunks only for a larger output.
 */
const ONCE_CHUNK = 4096;
/** Bodies larger than this are concatenated, not gathered: the scratch buffer never grows past it. */
const GATHER_LIMIT = 1024 * 1024;
let scratch = Buffer.allocUnsafeSlow(64 * 1024);

/** The parts as one buffer: a view of the scratch buffer, valid until the next call (used at once, synchronously). */
function gather(parts: readonly (Buffer | string)[]): Buffer {
  let length = 0;
  for (const part of parts) length += typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : part.length;
  if (length > GATHER_LIMIT) return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)), length);
  if (length > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.min(GATHER_LIMIT, Math.max(length, scratch.length * 2)));
  let at = 0;
  for (const part of parts) at += typeof part === 'string' ? scratch.write(part, at, 'utf8') : part.copy(scratch, at);
  return scratch.subarray(0, length);
}

/** Whether an answer of this type and size is worth compressing (the plugin's rule). */
export const worthCompressing = (contentType: string, bytes: number): boolean => bytes >= COMPRESS_THRESHOLD && COMPRESSIBLE.test(contentType);
