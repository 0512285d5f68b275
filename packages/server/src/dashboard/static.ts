/**
 * Serves the built dashboard (packages/dashboard/dist) at `/`: every built file at its own
 * path, hashed assets cached for a year (their names change with their content), index.html
 * never cached, and any other page path answered with index.html so the dashboard's own
 * navigation works on reload. API, OFREP, metrics and health paths are never shadowed: an
 * unknown one stays a problem+json 404.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { NotFound } from '@sluice/core';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build -w packages/dashboard` writes, from src/ and from dist/ alike. */
export function defaultDashboardDir(): string {
  return fileURLToPath(new URL('../../../dashboard/dist', import.meta.url));
}

const NOT_PAGES = /^\/(api|ofrep|metrics|healthz|readyz)(\/|$)/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

export function dashboardBuilt(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

export function mountDashboard(fastify: FastifyInstance, dir: string): void {
  if (!dashboardBuilt(dir)) {
    fastify.get('/', async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send('The dashboard is not built: run `npm run build -w packages/dashboard` (npm start does it).\n'),
    );
    return;
  }
  // registered now, loaded by Fastify in order when the server gets ready
  void fastify.register(fastifyStatic, {
    root: dir,
    // one route per built file, so the page fallback below never hides a real 404 of the API
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders(reply: FastifyReply, path: string) {
      reply.header('cache-control', path.includes('/assets/') ? IMMUTABLE : 'no-cache');
    },
  });
  const page = async (request: { url: string }, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    // an API path or a missing file (it has an extension) is a 404, never the page
    if (NOT_PAGES.test(path) || /\.[A-Za-z0-9]+$/.test(path)) {
      throw NotFound(`no route for GET ${path}`);
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  };
  fastify.get('/', page);
  fastify.get('/*', page);
}
