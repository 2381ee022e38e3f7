import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@ataa/common';

export const VIEWS_DIR = path.join(repoRoot(import.meta.dirname), 'apps', 'api', 'views');
export const PUBLIC_DIR = path.join(repoRoot(import.meta.dirname), 'apps', 'api', 'public');

/** Handlebars for the public pages: an isolated instance, strict, with its own helpers. */
export function createPageHandlebars(): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('json', (value: unknown) => new hbs.SafeString(JSON.stringify(value).replace(/</g, '\\u003c')));
  const partialsDir = path.join(VIEWS_DIR, 'partials');
  for (const file of readdirSync(partialsDir).filter((f) => f.endsWith('.hbs'))) {
    hbs.registerPartial(path.basename(file, '.hbs'), readFileSync(path.join(partialsDir, file), 'utf8'));
  }
  return hbs;
}

/**
 * Server-rendered pages (`reply.view('campaigns/page.hbs', data)`) and static assets under /assets/.
 * Templates are compiled once and cached in production.
 */
export async function registerViews(app: NestFastifyApplication, production: boolean): Promise<void> {
  // No page uses `reply.locals`: declared here (null), the plugin does not add its global onRequest
  // hook giving every request an empty object (a hook per request for nothing).
  app.getHttpAdapter().getInstance().decorateReply('locals', null);
  await app.register(fastifyView as never, {
    engine: { handlebars: createPageHandlebars() },
    root: VIEWS_DIR,
    layout: 'layouts/main.hbs',
    production,
    options: { compileOptions: { strict: false } },
  });
  await app.register(fastifyStatic as never, {
    root: PUBLIC_DIR,
    prefix: '/assets/',
    maxAge: production ? '1d' : 0,
  });
}
