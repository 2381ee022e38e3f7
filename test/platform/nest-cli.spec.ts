import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

// Reads the repository's own configuration files: the Nest CLI must know every app and lib there is.
const root = path.resolve(import.meta.dirname, '..', '..');
const json = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8'));
const dirsWith = (parent: string, entry: string) =>
  readdirSync(path.join(root, parent)).filter((d) => existsSync(path.join(root, parent, d, 'src', entry))).sort();

describe('nest-cli.json', () => {
  const projects: Record<string, { type: string; root: string; sourceRoot: string; entryFile: string }> = json('nest-cli.json').projects;
  const paths: Record<string, string[]> = json('tsconfig.json').compilerOptions.paths;

  it('registers every app under apps/ with its paths', () => {
    const apps = dirsWith('apps', 'main.ts');
    expect(apps).toEqual(expect.arrayContaining(['api', 'worker', 'stripe-sandbox', 'mail-catcher', 'verifier']));
    const registered = Object.entries(projects).filter(([, p]) => p.type === 'application').map(([name]) => name).sort();
    expect(registered).toEqual(apps);
    for (const app of apps) {
      expect(projects[app]).toMatchObject({ root: `apps/${app}`, sourceRoot: `apps/${app}/src`, entryFile: 'main' });
    }
  });

  it('registers every lib under libs/, each with the @ataa alias tsconfig maps to the same index', () => {
    const libs = dirsWith('libs', 'index.ts');
    const registered = Object.entries(projects).filter(([, p]) => p.type === 'library').map(([name]) => name).sort();
    expect(registered).toEqual(libs);
    expect(Object.keys(paths).sort()).toEqual(libs.map((lib) => `@ataa/${lib}`).sort());
    for (const lib of libs) {
      const project = projects[lib];
      expect(project).toMatchObject({ root: `libs/${lib}`, sourceRoot: `libs/${lib}/src`, entryFile: 'index' });
      expect(paths[`@ataa/${lib}`]).toEqual([`./${project.sourceRoot}/${project.entryFile}.ts`]);
    }
  });
});
