// The public ledger's appender as the ledger runs it, for the benchmarks: its own Nest context on the
// bench database; append(campaign, n, format) appends one donation in its own transaction. Used by
// transparency.bench.js in its own process (append costs) and in a worker thread (live-appender.worker.js)
// while the page is under load, so that appending does not share autocannon's event loop.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { root } from './lib.js';

const dist = (p) => path.join(root, 'dist', p);

export async function openAppender(dbUrl) {
  const { NestFactory } = await import('@nestjs/core');
  const { Module } = await import('@nestjs/common');
  const { ConfigModule, loadConfig } = await import(dist('libs/config/src/index.js'));
  const { DatabaseModule, TransactionRunner } = await import(dist('libs/database/src/index.js'));
  const { TransparencyModule, PublicLedgerAppender } = await import(dist('libs/transparency/src/index.js'));
  class AppendBenchModule {}
  Module({ imports: [ConfigModule.forRoot(loadConfig({ ...process.env, DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' })), DatabaseModule, TransparencyModule] })(AppendBenchModule);
  const context = await NestFactory.createApplicationContext(AppendBenchModule, { logger: false });
  const runner = context.get(TransactionRunner);
  const appender = context.get(PublicLedgerAppender);
  // Format-1 leaves, as every entry was before issue 17: the appender's leaf builder swapped for the
  // old one on this instance for the call (appends run one at a time here).
  const formatOne = (input, index, time, balance, terms, checked) => ({
    leaf: {
      v: 1, campaign: input.campaignId, index, time, kind: input.kind, amount: input.amount.toString(), currency: input.currency,
      donor: checked.donor, donorCommitment: input.donorCommitment ?? null, message: checked.message, purpose: checked.purpose, balance: balance.toString(),
    },
    committed: { donorHash: null, donorSalt: null, messageHash: null, messageSalt: null },
  });
  const append = (campaign, n, format = 3) => {
    if (format === 1) appender.leafOf = formatOne;
    else delete appender.leafOf;
    return runner.run((manager) =>
      appender.append(manager, {
        campaignId: campaign.id, kind: 'donation', amount: 2500n, currency: 'usd', occurredAt: new Date(Date.UTC(2026, 0, 1) + n * 1000),
        donorDisplayName: `Bench donor ${n}`, donorCommitment: null, publicMessage: 'Appended by the benchmark', payoutPurpose: null, sourceRef: randomUUID(),
      }),
    ).finally(() => delete appender.leafOf);
  };
  return { append, close: () => context.close() };
}
