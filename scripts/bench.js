#!/usr/bin/env node
// `npm run bench [name...]`: builds, then runs each bench/*.bench.js (or the named ones) in turn.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const wanted = process.argv.slice(2);
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
spawnSync(process.execPath, ['scripts/migrate.js'], { cwd: root, stdio: 'inherit' });
const benches = readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.bench.js') && (wanted.length === 0 || wanted.some((w) => f.includes(w)))).sort();
// The settings a run was made with (BENCH_DONATIONS=300, ...), printed with its results.
const settings = Object.entries(process.env).filter(([name]) => /^(BENCH_|RECEIPTS$)/.test(name)).map(([name, value]) => `${name}=${value}`).sort();
let failed = 0;
for (const file of benches) {
  process.stdout.write(`\n# ${file}${settings.length ? ` (${settings.join(' ')})` : ''}\n`);
  const result = spawnSync(process.execPath, [path.join('bench', file)], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
