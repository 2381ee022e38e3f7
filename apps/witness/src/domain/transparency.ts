// The witness depends only on the pure transparency domain (no Nest module, no platform database),
// as the standalone verifier does: a deep relative import on purpose, in this one file.
export {
  CheckpointError, cosignatureLine, createCosigner, emptyRoot, formatCosignerKey, formatVerifierKey, keyHash, parseCheckpointBody, parseNote,
  parseVerifierKey, privateKeyFromPkcs8, privateKeyFromSeed, publicKeyFromRaw, verifyConsistency, createSigner, signCheckpoint,
  type Checkpoint, type Cosigner, type CosignerKey, type SignedNote, type VerifierKey,
} from '../../../../libs/transparency/src/domain/index.js';
