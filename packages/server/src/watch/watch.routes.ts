/**
 * `GET /api/v1/watch`: server-sent events of resource, run, emergency and flag-set changes in
 * the environments the token may read. Authenticated by the Authorization header like every
 * route (browsers read it over fetch; a token never goes in a URL).
 */
import { Forbidden } from '@sluice/core';
import { ANY_ENVIRONMENT, scopesGrant } from '@sluice/core/auth';
import type { z } from 'zod';
import { bearerSecret, type TokenVerifier } from '../http/auth.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { watchEventsSchema, watchQuerySchema } from './watch.schema.js';
import type { WatchHub } from './watch-hub.js';

export function watchRoutes(hub: WatchHub, tokens: TokenVerifier): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/watch',
      scope: 'read',
      // an environment-limited token passes here; each event is then checked against its scopes
      environment: () => ANY_ENVIRONMENT,
      summary: 'Server-sent events: resource, run, emergency and flag-set changes you may read',
      tag: 'watch',
      query: watchQuerySchema,
      // documents the frames; the handler writes them to the hijacked response itself
      response: watchEventsSchema as z.ZodType<unknown>,
      produces: 'text/event-stream',
      async handler({ query, principal, headers, reply }) {
        const asked = query.environment === undefined ? null : [query.environment].flat();
        for (const env of asked ?? []) {
          if (!scopesGrant(principal.scopes, 'read', env))
            throw Forbidden(`this token may not read environment "${env}"`);
        }
        const tokenKey = principal.tokenId ?? principal.subject;
        hub.admit(tokenKey);
        const secret = bearerSecret(headers.authorization as string | undefined) ?? '';
        reply.hijack();
        hub.open({
          res: reply.raw,
          tokenKey,
          scopes: principal.scopes,
          environments: asked ? new Set(asked) : null,
          alive: async () => (await tokens.verify(secret)) !== null,
        });
      },
    }),
  ];
}
