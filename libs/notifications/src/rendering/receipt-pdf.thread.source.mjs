// The receipt-rendering thread's entry when the platform runs from its TypeScript sources (tests,
// through ts-jest), where there is no compiled receipt-pdf.thread.js. Plain JavaScript, so Node
// loads it as is; it is not part of the build (dist/ has the compiled thread, see ReceiptPdfPool).
// In this thread only, it compiles TypeScript on load with the project's `typescript` (a development
// dependency: sources are only run where it is installed): relative `./x.js` imports resolve to
// `./x.ts` beside them and `@ataa/<lib>` to its index (tsconfig.json's paths), as in the tests.
import * as module from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

if (typeof module.registerHooks !== 'function') {
  throw new Error(`rendering receipts in threads from the TypeScript sources needs Node 22.15 or later (module.registerHooks); this is ${process.version}`);
}

let root = import.meta.dirname;
while (!existsSync(path.join(root, 'tsconfig.json'))) {
  const parent = path.dirname(root);
  if (parent === root) throw new Error(`no tsconfig.json above ${import.meta.dirname}`);
  root = parent;
}
const { config } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
const aliases = new Map(Object.entries(config?.compilerOptions?.paths ?? {}).map(([name, [target]]) => [name, pathToFileURL(path.resolve(root, target)).href]));

module.registerHooks({
  resolve(specifier, context, nextResolve) {
    const alias = aliases.get(specifier);
    if (alias) return { url: alias, format: 'module', shortCircuit: true };
    if (context.parentURL?.endsWith('.ts') && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
      const source = new URL(`${specifier.slice(0, -'.js'.length)}.ts`, context.parentURL);
      if (existsSync(fileURLToPath(source))) return { url: source.href, format: 'module', shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
  load(url, context, nextLoad) {
    if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
    const fileName = fileURLToPath(url);
    const { outputText } = ts.transpileModule(readFileSync(fileName, 'utf8'), {
      fileName,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
        inlineSourceMap: true,
      },
    });
    return { format: 'module', source: outputText, shortCircuit: true };
  },
});

const { default: renderReceiptPdf } = await import('./receipt-pdf.thread.ts');
export default renderReceiptPdf;
