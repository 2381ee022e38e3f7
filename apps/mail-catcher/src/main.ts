import { runMain } from '@ataa/common';
import { ConfigError, loadConfig, SECRETS_USED_BY } from '@ataa/config';
import { createLogger } from '@ataa/observability';
import { startMailCatcher } from './mail-catcher.js';

// Development and demo only: catches what the worker sends to SMTP_URL (default smtp://127.0.0.1:1025).
runMain(async () => {
  const config = loadConfig(process.env, SECRETS_USED_BY['mail-catcher']);
  const logger = createLogger(config.LOG_LEVEL, 'mail-catcher');
  const smtpUrl = new URL(config.SMTP_URL);
  const catcher = await startMailCatcher({ smtpPort: Number(smtpUrl.port || 1025), httpPort: config.MAIL_CATCHER_PORT, host: '127.0.0.1' });
  logger.info({ smtp: catcher.smtpPort, http: `http://127.0.0.1:${catcher.httpPort}` }, 'mail catcher listening');
  const stop = () => void catcher.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}, (error) => error instanceof ConfigError);
