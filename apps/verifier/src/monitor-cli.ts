// `npm run verify -- monitor <campaign URL> [--key <vkey>] [--state <file>] [--interval <s>] [--once]
//   [--witness <cosigner vkey> …] [--quorum K]`
import { existsSync, readFileSync } from 'node:fs';
import { FetchFailure, InconsistencyFound, LogState, MonitorState, monitoredLogKey, parseMonitorState, pollLog } from './monitor.js';
import { writeFileAtomic } from './state-file.js';
import { FetchLike, VerificationFailure } from './verifier.js';
import { witnessPolicy } from './witness-quorum.js';

export const MONITOR_USAGE = `usage: npm run verify -- monitor <campaign URL> [options]
  Follows a campaign's log: on each poll, verifies the current signed checkpoint (and the witness
  quorum), checks it extends the last checkpoint verified (stored in the state file with the leaf
  hashes under it) and stores it. A split view, a rewritten or a truncated log stops the monitor with
  a report naming the first inconsistent tree size (exit code 1).
  --key <vkey>          pin the log key (name+hash+base64); default: the site's, stored at the first poll
  --state <file>        the state file (default ./ataa-monitor-state.json); written atomically
  --interval <s>        seconds between polls (default 60)
  --once                poll once and exit: 0 consistent, 1 inconsistent or rejected, 3 site unreachable
  --witness <vkey>      a witness whose cosignature counts (repeatable); --quorum <K> of them required
                        (default: all)
`;

export const DEFAULT_STATE_FILE = 'ataa-monitor-state.json';

export interface MonitorIo {
  out: (line: string) => void;
  err: (line: string) => void;
  fetch?: FetchLike;
  /** Stops the polling loop (exit code 0); the CLI wires SIGINT and SIGTERM to it. */
  signal?: AbortSignal;
}

/** Runs the monitor; returns the exit code (0 stopped or consistent, 1 inconsistent or rejected, 2 usage, 3 unreachable with --once). */
export async function runMonitor(argv: string[], io: MonitorIo): Promise<number> {
  const args = [...argv];
  let url: string | undefined;
  let key: string | undefined;
  let statePath = DEFAULT_STATE_FILE;
  let interval = 60;
  let once = false;
  const witnesses: string[] = [];
  let quorum: string | undefined;
  let policy: ReturnType<typeof witnessPolicy>;
  try {
    while (args.length > 0) {
      const arg = args.shift() as string;
      const value = () => {
        const v = args.shift();
        if (v === undefined) throw new Error(`${arg} needs a value`);
        return v;
      };
      if (arg === '--key') key = value();
      else if (arg === '--state') statePath = value();
      else if (arg === '--interval') {
        const v = value();
        if (!/^[1-9][0-9]{0,5}$/.test(v)) throw new Error('--interval must be a whole number of seconds, at least 1');
        interval = Number(v);
      } else if (arg === '--once') once = true;
      else if (arg === '--witness') witnesses.push(value());
      else if (arg === '--quorum') quorum = value();
      else if (arg === '--help' || arg === '-h') {
        io.out(MONITOR_USAGE);
        return 0;
      } else if (!arg.startsWith('--') && url === undefined) url = arg;
      else throw new Error(`unknown argument ${arg}`);
    }
    if (!url) throw new Error('the campaign URL is missing');
    url = monitoredLogKey(url);
    policy = witnessPolicy(witnesses, quorum);
  } catch (error) {
    io.err(`${(error as Error).message}\n${MONITOR_USAGE}`);
    return 2;
  }

  let state: MonitorState = { version: 1, logs: {} };
  if (existsSync(statePath)) {
    try {
      state = parseMonitorState(readFileSync(statePath, 'utf8'));
    } catch (error) {
      io.err(`cannot use the state file ${statePath}: ${(error as Error).message}`);
      return 2;
    }
  }

  io.out(`monitoring ${url} (state ${statePath}${once ? '' : `, every ${interval} s`})`);
  for (;;) {
    const stored: LogState | null = state.logs[url] ?? null;
    try {
      const { outcome, state: next } = await pollLog(url, stored, { fetch: io.fetch, key, witnesses: policy ?? undefined, log: (line) => io.out(`  ok  ${line}`) });
      state = { ...state, logs: { ...state.logs, [url]: next } };
      writeFileAtomic(statePath, `${JSON.stringify(state, null, 2)}\n`);
      const at = new Date().toISOString();
      if (outcome.kind === 'first') io.out(`${at} CONSISTENT: first checkpoint stored, size ${outcome.size}, root ${outcome.rootHash}`);
      else if (outcome.kind === 'unchanged') io.out(`${at} CONSISTENT: unchanged, size ${outcome.size}, root ${outcome.rootHash}`);
      else io.out(`${at} CONSISTENT: extends size ${outcome.from} to ${outcome.size}, root ${outcome.rootHash}`);
    } catch (error) {
      if (error instanceof InconsistencyFound) {
        for (const line of error.report) io.err(line);
        io.err(`REJECTED: ${error.reason}`);
        return 1;
      }
      if (error instanceof VerificationFailure) {
        io.err(`REJECTED: ${error.reason}`);
        return 1;
      }
      if (error instanceof FetchFailure) {
        if (once) {
          io.err(`UNREACHABLE: ${error.message}`);
          return 3;
        }
        io.err(`${new Date().toISOString()} warn  could not poll (retrying): ${error.message}`);
      } else {
        // A state file that could not be written, a corrupt stored state: nothing to retry.
        io.err(`ERROR: ${(error as Error).message}`);
        return 2;
      }
    }
    if (once) return 0;
    if (!(await sleep(interval * 1000, io.signal))) return 0;
  }
}

/** Waits; resolves false at once if the signal aborts (then the loop ends). */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
