import { Logger, Provider } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AppConfig } from '@ataa/config';
import { CheckpointSigner, createSigner, privateKeyFromPkcs8, privateKeyFromSeed } from './domain/index.js';

export const CHECKPOINT_SIGNER = Symbol.for('ataa.transparency.CheckpointSigner');

/**
 * The checkpoint signing key: TRANSPARENCY_SIGNING_KEY (Ed25519, PKCS#8 DER, base64), required in
 * production by the configuration. Development and tests derive a fixed key from the origin, so the
 * key stays the same across restarts (checkpoints signed earlier keep verifying); the log says so.
 */
export function signerFromConfig(config: AppConfig, logger = new Logger('Transparency')): CheckpointSigner {
  if (config.TRANSPARENCY_SIGNING_KEY) {
    try {
      return createSigner(config.TRANSPARENCY_ORIGIN, privateKeyFromPkcs8(config.TRANSPARENCY_SIGNING_KEY));
    } catch {
      throw new Error('Configuration error: TRANSPARENCY_SIGNING_KEY is not an Ed25519 PKCS#8 DER key in base64');
    }
  }
  if (config.NODE_ENV === 'production') throw new Error('Configuration error: TRANSPARENCY_SIGNING_KEY is required when NODE_ENV=production');
  const seed = createHash('sha256').update(`ataa development transparency key|${config.TRANSPARENCY_ORIGIN}`).digest();
  const signer = createSigner(config.TRANSPARENCY_ORIGIN, privateKeyFromSeed(seed));
  logger.warn(`TRANSPARENCY_SIGNING_KEY is not set: checkpoints are signed with a development key derived from the origin (public key ${signer.publicKey.toString('base64')}); never use it in production`);
  return signer;
}

export const checkpointSignerProvider: Provider = {
  provide: CHECKPOINT_SIGNER,
  inject: [AppConfig],
  useFactory: (config: AppConfig) => signerFromConfig(config),
};
