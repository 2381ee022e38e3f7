/** The pure transparency domain: no I/O, no framework. The standalone verifier depends only on this. */
export * from './canonical-json.js';
export * from './merkle.js';
export * from './checkpoint.js';
export * from './cosignature.js';
export * from './witness-submission.js';
export * from './public-entry.js';
export * from './report.js';
export * from './receipt-proof.js';
export * from './redaction.js';
export * from './tiles.js';
export * from './designations.js';
