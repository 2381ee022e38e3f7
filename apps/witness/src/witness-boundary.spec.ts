import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The witness is a small program anyone can run: it depends on the pure transparency domain, pg,
 * Fastify, pino and @ataa/common (start-up helpers), never on the platform's Nest modules, TypeORM
 * or database. Checked on its sources' imports (tests excluded).
 */
const root = import.meta.dirname;
const ALLOWED_PACKAGES = new Set(['pg', 'pino', 'fastify', '@ataa/common']);
const DOMAIN = path.resolve(root, '../../../libs/transparency/src/domain/index.js');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !/\.(spec|medium-spec|e2e-spec)\.ts$/.test(entry.name) ? [full] : [];
  });
}

describe('witness dependencies', () => {
  it('imports only the transparency domain, pg, Fastify, pino, @ataa/common and node built-ins', () => {
    const offending: string[] = [];
    const files = sources(root);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
        const specifier = match[1];
        if (specifier.startsWith('node:') || ALLOWED_PACKAGES.has(specifier)) continue;
        if (specifier.startsWith('.')) {
          const target = path.resolve(path.dirname(file), specifier);
          if (target.startsWith(`${root}${path.sep}`) || target === DOMAIN) continue;
        }
        offending.push(`${path.relative(root, file)}: ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
