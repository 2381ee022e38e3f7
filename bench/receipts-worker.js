// The real worker (dist/, every module, outbox relay, BullMQ notifications processor, SMTP adapter)
// with one change: receipts read their data from a deterministic in-memory source instead of the
// donations tables, so the benchmark needs no Stripe, ledger or transparency state.
import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import path from 'node:path';
import { root } from './lib.js';
import { benchReceiptData } from './receipts-data.js';

const dist = (p) => path.join(root, 'dist', p);
const { loadConfig } = await import(dist('libs/config/src/index.js'));
const { RECEIPT_DATA_SOURCE_OVERRIDE } = await import(dist('libs/notifications/src/index.js'));
const { createWorkerApp } = await import(dist('apps/worker/src/create-worker-app.js'));
const { createLogger } = await import(dist('libs/observability/src/index.js'));

class BenchReceiptDataModule {}
Global()(BenchReceiptDataModule);
Module({
  providers: [{ provide: RECEIPT_DATA_SOURCE_OVERRIDE, useValue: { load: async (request) => benchReceiptData(request.aggregateId) } }],
  exports: [RECEIPT_DATA_SOURCE_OVERRIDE],
})(BenchReceiptDataModule);

const config = loadConfig();
const app = await createWorkerApp(config, { logger: createLogger(config.LOG_LEVEL, 'bench-worker'), imports: [BenchReceiptDataModule] });
process.send?.('ready');
// CPU used so far (microseconds): by this thread, the event loop that also settles payments, and by
// the whole process (rendering threads included). process.threadCpuUsage: Node 23.9+.
process.on('message', (message) => {
  if (message !== 'cpu') return;
  const thread = process.threadCpuUsage?.();
  const all = process.cpuUsage();
  process.send?.({ cpu: { thread: thread ? thread.user + thread.system : null, process: all.user + all.system } });
});
const stop = async () => {
  await app.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
