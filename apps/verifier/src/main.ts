#!/usr/bin/env node
// `npm run verify -- <campaign URL> [--key <name+hash+key>] [--checkpoint <file>] [--state <file>]`
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { VerificationFailure, verifyCampaign, VerifyOptions } from './verifier.js';

const USAGE = `usage: npm run verify -- <campaign URL> [options]
  --key <vkey>          pin the checkpoint key (name+hash+base64); default: the site's /.well-known key
  --checkpoint <file>   a checkpoint saved earlier (e.g. from a receipt): the log must extend it
  --state <file>        remember checkpoints between runs: checks consistency with the last one, then saves the new one
`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  fetch?: VerifyOptions['fetch'];
}

/** Runs the CLI; returns the exit code (0 verified, 1 rejected, 2 usage). In-process for tests. */
export async function runVerifier(argv: string[], io: CliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) }): Promise<number> {
  const args = [...argv];
  let url: string | undefined;
  const options: VerifyOptions = { fetch: io.fetch, log: (line) => io.out(`  ok  ${line}`) };
  let statePath: string | undefined;
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
      else if (arg === '--help' || arg === '-h') {
        io.out(USAGE);
        return 0;
      } else if (!arg.startsWith('--') && url === undefined) url = arg;
      else throw new Error(`unknown argument ${arg}`);
    } catch (error) {
      io.err(`${(error as Error).message}\n${USAGE}`);
      return 2;
    }
  }
  if (!url) {
    io.err(USAGE);
    return 2;
  }
  const state: Record<string, string> = statePath && existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : {};
  if (statePath && !options.previousCheckpoint && state[url]) options.previousCheckpoint = state[url];
  io.out(`verifying ${url}`);
  try {
    const result = await verifyCampaign(url, options);
    if (statePath) writeFileSync(statePath, `${JSON.stringify({ ...state, [url]: result.checkpoint }, null, 2)}\n`);
    io.out(`VERIFIED: ${result.entries} entries, root ${result.rootHash}, raised ${result.report.raised} ${result.report.currency}, balance ${result.report.balance}`);
    return 0;
  } catch (error) {
    const reason = error instanceof VerificationFailure ? error.reason : `could not verify: ${(error as Error).message}`;
    io.err(`REJECTED: ${reason}`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runVerifier(process.argv.slice(2)).then((code) => process.exit(code));
}
