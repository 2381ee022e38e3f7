#!/usr/bin/env node
// The witness as its own process: `node dist/apps/witness/src/main.js` (npm run start:witness).
//   --print-key      print the witness's vkey (from WITNESS_NAME and WITNESS_SIGNING_KEY) and exit
//   --generate-key   print a new Ed25519 private key for WITNESS_SIGNING_KEY (PKCS#8 DER, base64) and exit
import { generateKeyPairSync } from 'node:crypto';
import { runMain } from '@ataa/common';
import { createCosigner, formatCosignerKey } from './domain/transparency.js';
import { startWitness } from './witness-app.js';
import { loadWitnessConfig, loadWitnessIdentity, WitnessConfigError } from './witness-config.js';
import { createWitnessLogger } from './witness-logger.js';

const USAGE = 'usage: witness [--print-key | --generate-key]  (configuration: WITNESS_* environment variables, see docs/witness.md)';

runMain(async () => {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (args.includes('--generate-key')) {
    process.stdout.write(`${generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')}\n`);
    return;
  }
  if (args.includes('--print-key')) {
    const { name, key } = loadWitnessIdentity(process.env);
    const cosigner = createCosigner(name, key);
    process.stdout.write(`${formatCosignerKey({ name: cosigner.name, publicKey: cosigner.publicKey })}\n`);
    return;
  }
  if (args.length > 0) throw new WitnessConfigError(`unknown argument ${JSON.stringify(args[0])}; ${USAGE}`);

  const config = loadWitnessConfig(process.env);
  const logger = createWitnessLogger(config.LOG_LEVEL);
  if (config.developmentKey) {
    logger.warn('WITNESS_SIGNING_KEY is not set: cosigning with a development key derived from WITNESS_NAME; never use it in production');
  }
  const witness = await startWitness(config, { logger });
  logger.info({ url: witness.url, witness: witness.name, vkey: witness.vkey, logs: config.WITNESS_LOGS.map((l) => l.pattern) }, 'witness listening');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await witness.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}, (error) => error instanceof WitnessConfigError);
