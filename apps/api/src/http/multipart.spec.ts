import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { readUploadForm } from './upload-form.js';
import { registerMultipart } from './multipart.js';

/** Request hooks each route ends up with, as the router will run them (seen by an onRoute hook added last). */
function hooksByRoute(app: FastifyInstance): Map<string, { onRequest: number; onResponse: number }> {
  const seen = new Map<string, { onRequest: number; onResponse: number }>();
  const count = (hooks: unknown) => (hooks === undefined ? 0 : Array.isArray(hooks) ? hooks.length : 1);
  app.addHook('onRoute', (route: RouteOptions) => {
    seen.set(`${String(route.method)} ${route.url}`, { onRequest: count(route.onRequest), onResponse: count(route.onResponse) });
  });
  return seen;
}

function multipartBody(boundary: string, parts: Array<{ name: string; value: string; filename?: string }>): Buffer {
  const text = parts.map((part) => `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"\r\nContent-Type: image/png` : ''}\r\n\r\n${part.value}\r\n`).join('') + `--${boundary}--\r\n`;
  return Buffer.from(text);
}

describe('multipart forms, with the plugin hooks on form routes only', () => {
  it('keeps the plugin hooks on POST, PUT and PATCH routes and adds none to GET routes or to the app', async () => {
    const app = Fastify();
    await registerMultipart(app, { limits: { files: 1 } });
    const seen = hooksByRoute(app);
    app.get('/page', async () => 'page');
    app.post('/form', async () => 'posted');
    app.put('/form', async () => 'put');
    app.patch('/form', async () => 'patched');
    app.route({ method: ['GET', 'HEAD'], url: '/both', handler: async () => 'both' });
    await app.ready();
    expect(seen.get('GET /page')).toEqual({ onRequest: 0, onResponse: 0 });
    expect(seen.get('GET,HEAD /both')).toEqual({ onRequest: 0, onResponse: 0 });
    for (const method of ['POST', 'PUT', 'PATCH']) expect(seen.get(`${method} /form`)).toEqual({ onRequest: 1, onResponse: 1 });
    await app.close();
  });

  it('runs none of the plugin hooks on a GET (no listener left on its response), as on an app without the plugin', async () => {
    const closeListeners = async (app: FastifyInstance) => {
      app.get('/page', async (_request, reply) => reply.raw.listenerCount('close'));
      app.post('/form', async (_request, reply) => reply.raw.listenerCount('close'));
      const counts = { get: Number((await app.inject({ url: '/page' })).body), post: Number((await app.inject({ method: 'POST', url: '/form', payload: {} })).body) };
      await app.close();
      return counts;
    };
    const without = await closeListeners(Fastify());
    const withForms = Fastify();
    await registerMultipart(withForms, {});
    const counts = await closeListeners(withForms);
    expect(counts.get).toBe(without.get);
    // the POST route still has the plugin's listener (its clean-up on a client gone early)
    expect(counts.post).toBe(without.post + 1);
  });

  it('still reads a form with a file on a POST route (fields, the file, the size limit)', async () => {
    const app = Fastify();
    await registerMultipart(app, { throwFileSizeLimit: false, limits: { fileSize: 8, files: 1 } });
    app.post('/upload', async (request) => {
      const { fields, file } = await readUploadForm(request, 'image');
      return { fields: { ...fields }, bytes: file?.bytes.toString() ?? null, truncated: file?.truncated ?? null };
    });
    const boundary = 'ataa-test-boundary';
    const small = await app.inject({ method: 'POST', url: '/upload', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: multipartBody(boundary, [{ name: 'title', value: 'Wells' }, { name: 'image', value: 'png!', filename: 'a.png' }]) });
    expect(small.json()).toEqual({ fields: { title: 'Wells' }, bytes: 'png!', truncated: false });
    const large = await app.inject({ method: 'POST', url: '/upload', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: multipartBody(boundary, [{ name: 'image', value: '0123456789abcdef', filename: 'b.png' }]) });
    expect(large.json()).toEqual({ fields: {}, bytes: '01234567', truncated: true });
    await app.close();
  });
});
