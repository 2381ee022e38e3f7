import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a process to its end without blocking this event loop (the API under test may be in this process). */
export function run(command: string, args: string[], options: { cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? root, env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface BuiltVerifier {
  /** The compiled entry point: `<outDir>/apps/verifier/src/main.js`, laid out as `npm run build` lays out dist/. */
  main: string;
  /** Runs the built CLI (`node <main> ...args`); `offline` makes any use of fetch throw in the child. */
  verify(args: string[], options?: { offline?: boolean }): Promise<RunResult>;
  cleanup(): void;
}

/**
 * Compiles the verifier CLI with the build's compiler options (tsconfig.build.json: the same tsc and
 * settings as `npm run build`) into a temporary outDir, from its entry point: only the files it
 * imports are compiled, so this takes seconds, and it never reads or races with a dist/ that another
 * test or a developer may be rebuilding. The verifier imports no `@ataa/*` alias (no tsc-alias step):
 * were it to, the compiled CLI would fail to start and so would the tests using it.
 */
export async function buildVerifier(): Promise<BuiltVerifier> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ataa-verifier-'));
  const outDir = path.join(dir, 'dist');
  const config = path.join(dir, 'tsconfig.json');
  writeFileSync(config, JSON.stringify({
    extends: path.join(root, 'tsconfig.build.json'),
    compilerOptions: { outDir, rootDir: root, sourceMap: false, typeRoots: [path.join(root, 'node_modules', '@types')] },
    files: [path.join(root, 'apps', 'verifier', 'src', 'main.ts')],
    include: [],
  }));
  const tsc = await run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config]);
  const main = path.join(outDir, 'apps', 'verifier', 'src', 'main.js');
  if (tsc.code !== 0 || !existsSync(main)) throw new Error(`building the verifier failed (${tsc.code}):\n${tsc.stdout}${tsc.stderr}`);
  // The repository is "type": "module"; the temporary outDir needs saying so too.
  writeFileSync(path.join(outDir, 'package.json'), '{ "type": "module" }\n');
  const noNetwork = `data:text/javascript,${encodeURIComponent('globalThis.fetch = () => { throw new Error("the network was used"); };')}`;
  return {
    main,
    verify: (args, options = {}) => run(process.execPath, [...(options.offline ? ['--import', noNetwork] : []), main, ...args], { cwd: dir }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
