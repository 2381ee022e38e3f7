#!/usr/bin/env node
// `npm run verify -- <campaign URL> [--key <name+hash+key>] [--checkpoint <file>] [--state <file>]`
// `npm run verify -- --receipt <receipt.json> [--key <name+hash+key>] [<campaign URL>]`
// `npm run verify -- monitor <campaign URL> [--key <vkey>] [--state <file>] [--interval <s>] [--once]`
// `npm run verify -- tiles <tiles prefix URL> --key <name+hash+key> [--checkpoint <file>] [--state <file>]`
// Every mode takes `--witness <cosigner vkey>` (repeatable) and `--quorum <K>`.
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { formatVerifierKey, verifyReceiptProof } from '../../../libs/transparency/src/domain/index.js';
import { runMonitor } from './monitor-cli.js';
import { writeFileAtomic } from './state-file.js';
import { BinaryFetch, verifyTiles } from './tiles-mode.js';
import { reconciliationLines } from './reconciliation-lines.js';
import { checkQuorum, VerificationFailure, verifyCampaign, VerifyOptions, verifyReceiptAgainstLog } from './verifier.js';
import { witnessPolicy } from './witness-quorum.js';

const USAGE = `usage: npm run verify -- <campaign URL> [options]
       npm run verify -- --receipt <receipt.json> [--key <vkey>] [<campaign URL>]
       npm run verify -- tiles <tiles prefix URL> --key <vkey> [--checkpoint <file>] [--state <file>]
       npm run verify -- monitor <campaign URL> [--key <vkey>] [--state <file>] [--interval <s>] [--once]   (monitor --help)
  --key <vkey>          pin the checkpoint key (name+hash+base64); default: the site's /.well-known key
                        (in receipt mode offline: the key the receipt names, to compare with the published one)
  --checkpoint <file>   a checkpoint saved earlier (e.g. from a receipt): the log must extend it
  --state <file>        remember checkpoints between runs: checks consistency with the last one, then saves the new one
  --receipt <file>      verify a receipt's proof (ataa-receipt-<number>.json) with no network: the leaf hash
                        recomputed from its fields, the inclusion proof, the checkpoint's signature; with the
                        campaign URL too, also that the current log extends the receipt's checkpoint
  --witness <vkey>      a witness whose cosignature counts (C2SP tlog-cosignature vkey: name+keyID+base64,
                        type 0x04); repeat for each witness
  --quorum <K>          refuse a checkpoint cosigned by fewer than K of the witnesses (default: all of them);
                        with --receipt, checked on the current checkpoint (needs the campaign URL); in tiles
                        mode, on the tiles' checkpoint
  tiles <prefix URL>    verify the log from its C2SP tlog-tiles alone (GETs of <prefix>checkpoint and
                        <prefix>tile/...: a static mirror is enough; the site's is https://host/c/<campaign>/):
                        the checkpoint's signature, every entry bundle and hash tile, the root; --key is required
`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  fetch?: VerifyOptions['fetch'];
  /** Tiles mode's GETs (bytes); global fetch by default. */
  fetchBytes?: BinaryFetch;
  /** Ends the monitor's polling loop. */
  signal?: AbortSignal;
}

/** Runs the CLI; returns the exit code (0 verified, 1 rejected, 2 usage). In-process for tests. */
export async function runVerifier(argv: string[], io: CliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) }): Promise<number> {
  if (argv[0] === 'monitor') return runMonitor(argv.slice(1), io);
  const args = [...argv];
  const witnesses: string[] = [];
  let quorum: string | undefined;
  let url: string | undefined;
  const options: VerifyOptions = { fetch: io.fetch, log: (line) => io.out(`  ok  ${line}`) };
  let statePath: string | undefined;
  let receiptPath: string | undefined;
  let tilesMode = false;
  while (args.length > 0) {
    const arg = args.shift() as string;
    const value = () => {
      const v = args.shift();
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    try {
      if (arg === '--key') options.key = value();
      else if (arg === '--checkpoint') options.previousCheckpoint = readFileSync(value(), 'utf8');
      else if (arg === '--state') statePath = value();
      else if (arg === '--receipt') receiptPath = value();
      else if (arg === '--witness') witnesses.push(value());
      else if (arg === '--quorum') quorum = value();
      else if (arg === '--help' || arg === '-h') {
        io.out(USAGE);
        return 0;
      } else if (arg === 'tiles' && url === undefined && !tilesMode) tilesMode = true;
      else if (!arg.startsWith('--') && url === undefined) url = arg;
      else throw new Error(`unknown argument ${arg}`);
    } catch (error) {
      io.err(`${(error as Error).message}\n${USAGE}`);
      return 2;
    }
  }
  try {
    options.witnesses = witnessPolicy(witnesses, quorum) ?? undefined;
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (receiptPath !== undefined) {
    if (options.previousCheckpoint !== undefined || statePath !== undefined) {
      io.err(`--checkpoint and --state do not apply to --receipt\n${USAGE}`);
      return 2;
    }
    if (options.witnesses && !url) {
      io.err(`--witness in receipt mode needs the campaign URL: the quorum is checked on the current checkpoint\n${USAGE}`);
      return 2;
    }
    return verifyReceipt(receiptPath, url, options, io);
  }
  if (!url) {
    io.err(USAGE);
    return 2;
  }
  if (tilesMode) {
    if (!options.key) {
      io.err(`tiles mode needs --key: a mirror's own word on the key proves nothing\n${USAGE}`);
      return 2;
    }
    return runTiles(url, options.key, options.previousCheckpoint, statePath, options.witnesses, io);
  }
  const state: Record<string, string> = statePath && existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : {};
  if (statePath && !options.previousCheckpoint && state[url]) options.previousCheckpoint = state[url];
  io.out(`verifying ${url}`);
  try {
    const result = await verifyCampaign(url, options);
    if (statePath) writeFileAtomic(statePath, `${JSON.stringify({ ...state, [url]: result.checkpoint }, null, 2)}\n`);
    const redacted = result.redactions.length === 0 ? '' : `, ${result.redactions.length} personal field(s) redacted${result.redactions.some((r) => r.unverifiable) ? ' (some in entries predating leaf format 3: see above)' : ''}`;
    for (const line of reconciliationLines(result.reconciliation, result.size)) io.out(`  note  ${line}`);
    io.out(`VERIFIED: ${result.entries} entries, root ${result.rootHash}, raised ${result.report.raised} ${result.report.currency}, balance ${result.report.balance}${redacted}`);
    return 0;
  } catch (error) {
    const reason = error instanceof VerificationFailure ? error.reason : `could not verify: ${(error as Error).message}`;
    io.err(`REJECTED: ${reason}`);
    return 1;
  }
}

/** Tiles mode: the log from its tiles alone; the checkpoint saved in --state under the prefix URL. */
async function runTiles(url: string, key: string, previousCheckpoint: string | undefined, statePath: string | undefined, witnesses: VerifyOptions['witnesses'], io: CliIo): Promise<number> {
  const state: Record<string, string> = statePath && existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : {};
  const stateKey = `tiles:${url}`;
  io.out(`verifying the tiles at ${url}`);
  try {
    const result = await verifyTiles(url, { key, fetch: io.fetchBytes, previousCheckpoint: previousCheckpoint ?? state[stateKey], log: (line) => io.out(`  ok  ${line}`) });
    if (witnesses) checkQuorum(result.checkpoint, witnesses, (line) => io.out(`  ok  ${line}`));
    if (statePath) writeFileAtomic(statePath, `${JSON.stringify({ ...state, [stateKey]: result.checkpoint }, null, 2)}\n`);
    const redacted = result.redactions.length === 0 ? '' : `, ${result.redactions.length} personal field(s) redacted in entries predating leaf format 3 (see above)`;
    io.out(`VERIFIED from tiles: ${result.size} entries in ${result.bundles} bundle(s) and ${result.tiles - result.bundles} hash tile(s) above them, root ${result.rootHash}, raised ${result.report.raised} ${result.report.currency}, balance ${result.report.balance}${redacted}`);
    return 0;
  } catch (error) {
    const reason = error instanceof VerificationFailure ? error.reason : `could not verify: ${(error as Error).message}`;
    io.err(`REJECTED: ${reason}`);
    return 1;
  }
}

/** Receipt mode: every offline check as an `ok`/`FAIL` line, then the online one when a URL is given. */
async function verifyReceipt(path: string, url: string | undefined, options: VerifyOptions, io: CliIo): Promise<number> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    io.err(`cannot read ${path}: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  io.out(`verifying receipt ${path} offline`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    io.err('REJECTED: the receipt file is not JSON');
    return 1;
  }
  const result = verifyReceiptProof(doc, { pinnedKey: options.key });
  for (const check of result.checks) (check.ok ? io.out : io.err)(`  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.what}`);
  if (!result.ok || !result.proof || !result.checkpoint) {
    io.err(`REJECTED: ${result.checks.find((c) => !c.ok)?.what ?? 'the receipt did not verify'}`);
    return 1;
  }
  const { proof, checkpoint } = result;
  io.out(`VERIFIED offline: gift at index ${proof.leafIndex} of campaign ${proof.campaign.slug} is in the log signed at size ${checkpoint.size}, root ${checkpoint.rootHash.toString('base64')}`);
  if (!result.keyPinned && !url) {
    io.out(`  note  checked with the key the receipt names (${formatVerifierKey(result.key!)}); compare it with ${proof.verifierKeyUrl}, or pin it with --key`);
  }
  if (!url) return 0;
  io.out(`checking that the log at ${url} extends the receipt's checkpoint`);
  try {
    const current = await verifyReceiptAgainstLog(result, url, { ...options, log: (line) => io.out(`  ok    ${line}`) });
    io.out(`VERIFIED: the current log (size ${current.size}, root ${current.rootHash}) extends the receipt's checkpoint (size ${checkpoint.size})`);
    return 0;
  } catch (error) {
    const reason = error instanceof VerificationFailure ? error.reason : `could not verify: ${(error as Error).message}`;
    io.err(`  FAIL  ${reason}`);
    io.err(`REJECTED: ${reason}`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  runVerifier(process.argv.slice(2), { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`), signal: stop.signal }).then((code) => process.exit(code));
}
