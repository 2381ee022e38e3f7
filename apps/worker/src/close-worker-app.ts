import { INestApplicationContext } from '@nestjs/common';

/**
 * The worker's shutdown (SIGTERM/SIGINT, bounded by SHUTDOWN_GRACE_SECONDS in main.ts): BullMQ
 * workers stop taking jobs and wait for the ones running, the runners finish their pass, then the
 * queues and the database pool close.
 */
export async function closeWorkerApp(app: INestApplicationContext): Promise<void> {
  await app.close();
}
