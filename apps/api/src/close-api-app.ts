import { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The API's shutdown (SIGTERM/SIGINT, bounded by SHUTDOWN_GRACE_SECONDS in main.ts). The HTTP
 * server closes first: it stops accepting connections and waits for the requests in flight, which
 * still have every module (rate limiter, mailer, queues, database); Nest's own close would run the
 * modules' destroy hooks before closing the server. Then the rest of the application closes.
 */
export async function closeApiApp(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const closing = fastify.close();
  // Fastify closes idle keep-alive connections once, when close starts; a connection whose request
  // was in flight turns idle only after its response, and its client would hold it open for the
  // whole keep-alive timeout. Close those as they turn idle.
  const sweep = setInterval(() => fastify.server.closeIdleConnections(), 50);
  try {
    await closing;
  } finally {
    clearInterval(sweep);
  }
  await app.close();
}
