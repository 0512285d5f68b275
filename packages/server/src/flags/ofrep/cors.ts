/**
 * CORS for the browser-facing routes (OFREP, its change stream, the feature API). Credentials are
 * bearer tokens, never cookies, so any origin may call: `*` is safe here and nowhere else.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';

export const CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'ETag, Sluice-Emergency, Retry-After, X-Request-Id',
});

const PREFLIGHT: Readonly<Record<string, string>> = Object.freeze({
  ...CORS_HEADERS,
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers':
    'Authorization, Content-Type, If-None-Match, Last-Event-ID, X-API-Key, X-Request-Id',
  'access-control-max-age': '600',
  vary: 'Origin',
});

/** Adds the response headers every cross-origin reply needs. */
export function corsHeaders(reply: FastifyReply): void {
  reply.headers(CORS_HEADERS);
}

/** Answers preflight requests for the given URLs (Fastify syntax). */
export function registerPreflight(fastify: FastifyInstance, urls: readonly string[]): void {
  for (const url of urls) {
    fastify.route({
      method: 'OPTIONS',
      url,
      handler: async (_request, reply) => reply.status(204).headers(PREFLIGHT).send(),
    });
  }
}
