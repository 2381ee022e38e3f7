// Bare Node `http` serving fixed bodies: the baseline the API is compared with.
// Bodies by URL (path and query) from BODIES (JSON) or, for large bodies, the JSON file BODIES_FILE.
// A body is text (HTML or JSON by its first character), or `{ "base64": …, "type": … }` for bytes (tiles),
// or `{ "text" | "base64": …, "headers": {…} }`: the API's own response headers, so the baseline writes
// the same bytes the API does, headers included (`x-request-id` is made afresh per request, as the API does).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

const bodies = JSON.parse(process.env.BODIES_FILE ? readFileSync(process.env.BODIES_FILE, 'utf8') : (process.env.BODIES ?? '{}'));
for (const [url, body] of Object.entries(bodies)) {
  if (typeof body !== 'object') continue;
  if (body.headers) {
    const bytes = body.text === undefined ? Buffer.from(body.base64, 'base64') : Buffer.from(body.text);
    const { 'x-request-id': requestId, ...fixed } = body.headers;
    bodies[url] = { bytes, fixed: { ...fixed, 'content-length': bytes.length }, requestId: requestId !== undefined };
  } else bodies[url] = { bytes: Buffer.from(body.base64, 'base64'), type: body.type };
}
http.createServer((req, res) => {
  const body = bodies[req.url];
  if (body === undefined) { res.writeHead(404); res.end(); return; }
  if (typeof body === 'object' && body.fixed) { // (a string has a legacy `fixed` method, hence the type check)
    res.writeHead(200, body.requestId ? { ...body.fixed, 'x-request-id': randomUUID() } : body.fixed);
    res.end(body.bytes);
    return;
  }
  if (typeof body === 'object') {
    res.writeHead(200, { 'content-type': body.type, 'content-length': body.bytes.length });
    res.end(body.bytes);
    return;
  }
  const type = body.startsWith('<!') ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
  res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env.BARE_PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
