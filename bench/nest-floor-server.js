// The framework's floor: NestJS on its Fastify adapter with nothing of ours (no hooks, logging, metrics,
// compression, validation or filters), answering the benchmark's routes with the same bytes and headers
// as the API (one onRequest hook sets the API's headers, the request id made afresh per request). The
// API can be no faster than this; the gap between the two is ours, the gap from here to bare Node is
// the framework's.
// Bodies by route from BODIES (JSON: `{ "<path>": { "base64": …, "headers": {…} } }`, as bench/lib.js sameResponse reads the API), at FLOOR_PORT.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';

const bodies = JSON.parse(process.env.BODIES ?? '{}');
const routes = Object.entries(bodies).map(([path, { base64, headers }]) => {
  const { 'x-request-id': _id, 'content-type': type, ...fixed } = headers;
  return { path, value: JSON.parse(Buffer.from(base64, 'base64').toString()), type, fixed };
});

// One controller, a handler per route (decorators applied by hand: this file is plain JavaScript).
class FloorController {}
for (const [index, route] of routes.entries()) {
  const name = `route${index}`;
  FloorController.prototype[name] = function () { return route.value; };
  Reflect.decorate([Get(route.path)], FloorController.prototype, name, Object.getOwnPropertyDescriptor(FloorController.prototype, name));
}
Reflect.decorate([Controller()], FloorController);
class FloorModule {}
Reflect.decorate([Module({ controllers: [FloorController] })], FloorModule);

const byPath = new Map(routes.map((route) => [route.path, route]));
const app = await NestFactory.create(FloorModule, new FastifyAdapter({ genReqId: () => randomUUID(), requestIdHeader: false }), { logger: false });
app.getHttpAdapter().getInstance().addHook('onRequest', (request, reply, done) => {
  const route = byPath.get(request.url);
  if (route !== undefined) reply.headers(route.fixed).header('x-request-id', request.id).type(route.type);
  done();
});
await app.listen(Number(process.env.FLOOR_PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
