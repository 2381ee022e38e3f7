/**
 * Loads what a helper needs on first use (an app, the sandbox, a package: see test-app.ts), one
 * import() at a time in a test file. Jest's ES-module loader makes an import wait for a shared module
 * that another import in flight is linking, and gives up after 5 s: on a busy CI machine the API's
 * graph takes longer than that to link. One after the other, the later imports find it linked.
 */
let queue: Promise<unknown> = Promise.resolve();

export function load<T>(importer: () => Promise<T>): Promise<T> {
  const loaded = queue.then(importer);
  queue = loaded.catch(() => undefined);
  return loaded;
}
