import 'reflect-metadata';
import { runMain } from '@ataa/common';
import { ConfigError, loadConfig, SECRETS_USED_BY } from '@ataa/config';
import { createLogger } from '@ataa/observability';
import { createSandbox } from './sandbox.js';

// The Stripe sandbox as its own process (npm start, docker compose).
runMain(async () => {
  const config = loadConfig(process.env, SECRETS_USED_BY['stripe-sandbox']);
  const logger = createLogger(config.LOG_LEVEL, 'stripe-sandbox');
  const secret = config.STRIPE_WEBHOOK_SECRETS?.[0];
  if (config.SANDBOX_WEBHOOK_URL && !secret) throw new ConfigError('Configuration error: SANDBOX_WEBHOOK_URL needs STRIPE_WEBHOOK_SECRETS (its first secret signs the events)');
  const sandbox = await createSandbox({
    testMode: config.SANDBOX_TEST_MODE,
    stateFile: config.SANDBOX_STATE_FILE,
    webhookEndpoints: config.SANDBOX_WEBHOOK_URL && secret ? [{ url: config.SANDBOX_WEBHOOK_URL, secret }] : [],
    // Where browsers reach the sandbox when that differs from how the API reaches it (containers).
    publicUrl: process.env.SANDBOX_PUBLIC_URL || undefined,
    // Settle in one currency (e.g. usd), converting other charges at the sandbox's fixed test rates.
    ...(process.env.SANDBOX_SETTLEMENT_CURRENCY ? { settlementCurrency: process.env.SANDBOX_SETTLEMENT_CURRENCY.toLowerCase() } : {}),
    logger,
  });
  const host = process.env.SANDBOX_HOST || '127.0.0.1';
  const url = await sandbox.listen({ port: config.SANDBOX_PORT, host });
  logger.info({ url, testMode: config.SANDBOX_TEST_MODE, stateFile: config.SANDBOX_STATE_FILE ?? null }, 'stripe sandbox listening');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await sandbox.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}, (error) => error instanceof ConfigError);
