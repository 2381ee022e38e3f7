import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, RouteOptions } from 'fastify';

/** The methods whose requests can carry a form body: the only routes that read multipart forms. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

type RequestHookName = 'onRequest' | 'onResponse';

/**
 * Registers @fastify/multipart (its content-type parser and `request.parts()`) with its request hooks
 * on the routes that can receive a form only. The plugin adds two asynchronous hooks to every route
 * (clean-up of files saved to disk, which we never do: forms are read as streams, upload-form.ts):
 * a promise each and a listener on every response, paid by every GET of the API and every page.
 * The hooks are kept, unchanged, on POST, PUT and PATCH routes, in case disk mode is ever used.
 */
export async function registerMultipart(fastify: FastifyInstance, options: object): Promise<void> {
  const hooks: Array<[RequestHookName, unknown]> = [];
  const addHook = fastify.addHook;
  // The plugin is registered on this very instance (fastify-plugin): its request hooks are caught here.
  fastify.addHook = function captureRequestHooks(this: FastifyInstance, name: string, hook: unknown) {
    if (name === 'onRequest' || name === 'onResponse') {
      hooks.push([name, hook]);
      return this;
    }
    return (addHook as (name: string, hook: unknown) => FastifyInstance).call(this, name, hook);
  } as typeof fastify.addHook;
  try {
    await fastify.register(fastifyMultipart, options);
  } finally {
    fastify.addHook = addHook;
  }
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((method) => BODY_METHODS.has(method))) return;
    for (const [name, hook] of hooks) {
      const existing = route[name];
      route[name] = (existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook]) as never;
    }
  });
}

