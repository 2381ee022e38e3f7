// Bare Node `http` serving fixed bodies: the baseline the API is compared with.
import http from 'node:http';

const bodies = JSON.parse(process.env.BODIES ?? '{}');
http.createServer((req, res) => {
  const body = bodies[req.url];
  if (body === undefined) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env.BARE_PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
