import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The repository root (the folder with package.json), found from a module's own folder, so that
 * templates and assets resolve the same from `apps/.../src` (tests) and `dist/apps/.../src` (built).
 */
export function repoRoot(fromDir: string): string {
  let dir = fromDir;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'apps'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no repository root above ${fromDir}`);
    dir = parent;
  }
}
