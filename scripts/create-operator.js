#!/usr/bin/env node
// Operator console accounts (docs/dashboard.md, "Operator console"). Run after `npm run build` and the
// migrations, with the deployment's DATABASE_URL:
//   node scripts/create-operator.js ops@example.org                  a new account; prints a generated password once
//   printf '%s' "$PASSWORD" | node scripts/create-operator.js --password-stdin ops@example.org
//   node scripts/create-operator.js --disable ops@example.org        ends its sessions and access (its audit trail stays)
// There is no HTTP route that creates operators: whoever runs this already holds the database's credentials.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
if (existsSync(path.join(root, '.env'))) process.loadEnvFile(path.join(root, '.env'));
const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const [email] = args.filter((a) => !a.startsWith('--'));
const fail = (message) => {
  process.stderr.write(`[create-operator] ${message}\n`);
  process.exit(1);
};
if (!email || [...flags].some((f) => !['--password-stdin', '--disable'].includes(f))) {
  fail('usage: node scripts/create-operator.js [--password-stdin | --disable] <email>');
}

async function readStdin() {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

const { openOperatorProvisioning } = await import(path.join(root, 'dist/libs/operators/src/index.js'));
const { provisioning, close } = await openOperatorProvisioning(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ataa');
try {
  if (flags.has('--disable')) {
    if (!(await provisioning.disable(email))) fail(`no operator account for ${email}`);
    process.stdout.write(`[create-operator] disabled ${email} and ended its sessions\n`);
  } else {
    const generated = !flags.has('--password-stdin');
    // 18 random bytes: 24 base64url characters, well above the 12-character minimum.
    const password = generated ? randomBytes(18).toString('base64url') : await readStdin();
    const account = await provisioning.create(email, password);
    process.stdout.write(`[create-operator] created operator ${account.email} (${account.id})\n`);
    if (generated) process.stdout.write(`[create-operator] password (shown once): ${password}\n`);
  }
} catch (error) {
  fail(error?.code ? `${error.code}: ${error.message}` : String(error?.message ?? error));
} finally {
  await close();
}
