// The test harness's process starters (libs/testing: startReplicatedPostgres, startRedisCluster) for a
// benchmark, so a bench starts the same servers the tests do. libs/testing is not in the build:
// Node strips its types, and its imports of other libs (`../../database/src/migrate.js`) resolve to
// their build in dist/ (bench.js builds first).
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from './lib.js';

const hooks = `
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
const root = ${JSON.stringify(root)};
export async function resolve(specifier, context, next) {
  const parent = context.parentURL?.startsWith('file:') ? fileURLToPath(context.parentURL) : '';
  if (parent.startsWith(root + '/libs/testing/') && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const target = fileURLToPath(new URL(specifier, context.parentURL));
    const ts = target.slice(0, -3) + '.ts';
    if (target.startsWith(root + '/libs/testing/') && existsSync(ts)) return next(pathToFileURL(ts).href, context);
    const built = root + '/dist' + target.slice(root.length);
    if (!existsSync(target) && existsSync(built)) return next(pathToFileURL(built).href, context);
  }
  return next(specifier, context);
}
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, import.meta.url);

/** A libs/testing module (e.g. 'replicated-postgres'), as its tests import it. */
export async function testHarness(name) {
  const file = path.join(root, 'libs/testing/src', `${name}.ts`);
  if (!existsSync(file)) throw new Error(`libs/testing/src/${name}.ts not found`);
  return import(pathToFileURL(file).href);
}
