import fastifyCompress from '@fastify/compress';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** The answers worth compressing: pages, JSON (problem documents too) and the CSV export. */
export const COMPRESSIBLE = /^(?:text\/(?:html|csv)|application\/(?:problem\+)?json)\s*(?:;|$)/i;

/**
 * Compresses responses (issue 18) with brotli or gzip, as the client accepts (br preferred; quality 4,
 * the plugin's default, fast enough to stream the CSV export). Only COMPRESSIBLE types (images, fonts
 * and assets pass as they are), and only bodies of 1 KB or more; a stream (the CSV export) is always
 * compressed, as it flows, backpressure kept. It runs in onSend, after the routes' conditional checks: a
 * 304 has no body and is never touched. The ETag stays the one of the content (the same for every
 * encoding: our ETags name the log version and the request, and If-None-Match is compared weakly);
 * compressed answers add `Vary: Accept-Encoding`. Request bodies are not decompressed
 * (`globalDecompression: false`): the webhook's raw body and every parser see the bytes as sent.
 * Register before the routes (the plugin hooks each route as it is added).
 */
export async function registerCompression(app: NestFastifyApplication): Promise<void> {
  await app.register(fastifyCompress as never, {
    global: true,
    globalDecompression: false,
    encodings: ['br', 'gzip'],
    threshold: 1024,
    customTypes: COMPRESSIBLE,
  });
}
