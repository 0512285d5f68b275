/**
 * Flag-set sync for in-process SDKs: `GET /api/v1/sdk/flag-set` (the environment's flags,
 * segments, kills and emergency state, with a version and ETag) and `GET /api/v1/sdk/stream`
 * (server-sent events: the full set on connect, then the set after every change). Authenticated
 * by the Authorization header only: a token never goes in a URL.
 */
import { FlagSetSyncSchema } from '@sluice/core/flags';
import { z } from 'zod';
import { bearerSecret, type TokenVerifier } from '../../http/auth.js';
import { type AnyRoute, defineRoute, type Principal } from '../../http/route.js';
import { EMERGENCY_HEADER, emergencyHeaderValue } from '../emergency/header.js';
import type { FlagSetCache } from '../flag-sets.js';
import { evaluationEnvironment } from '../ofrep/access.js';
import { etagMatches } from '../ofrep/results.js';
import { syncEtag, syncPayloadText } from './payload.js';
import type { SyncStreams } from './sync-streams.js';

const querySchema = z.object({
  environment: z.string().optional().describe('for read/write/admin tokens; an sdk:<env> token uses its own'),
});

export interface SdkSyncDeps {
  flagSets: Pick<FlagSetCache, 'get'>;
  streams: SyncStreams;
  tokens: TokenVerifier;
  emergency: (environment: string) => { environment: string } | null | undefined;
  defaultEnvironment: () => string;
}

export function sdkSyncRoutes(deps: SdkSyncDeps): AnyRoute[] {
  const environmentOf = (principal: Principal, named: string | undefined) =>
    evaluationEnvironment(principal, named, deps.defaultEnvironment());
  const emergencyHeaders = (environment: string): Record<string, string> => {
    const value = emergencyHeaderValue(deps.emergency(environment));
    return value ? { [EMERGENCY_HEADER]: value } : {};
  };
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/sdk/flag-set',
      // any valid token reaches the handler, which allows sdk:<env> (its own) or read and above
      scope: 'token',
      environment: () => null,
      summary:
        "The environment's flag set for in-process SDKs (flags, segments, kills, emergency); ETag and 304",
      tag: 'sdk',
      query: querySchema,
      response: FlagSetSyncSchema,
      async handler({ query, principal, headers, reply }) {
        const environment = environmentOf(principal, query.environment);
        const flags = await deps.flagSets.get(environment);
        const etag = syncEtag(flags);
        reply.header('etag', etag).header('cache-control', 'no-cache');
        for (const [k, v] of Object.entries(emergencyHeaders(environment))) reply.header(k, v);
        if (etagMatches(headers['if-none-match'] as string | undefined, etag)) {
          reply.status(304);
          return reply.send();
        }
        reply.type('application/json; charset=utf-8');
        return reply.send(syncPayloadText(flags));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/sdk/stream',
      scope: 'token',
      environment: () => null,
      summary:
        'Server-sent events for in-process SDKs: `flag-set` with the whole set on connect and after every change',
      tag: 'sdk',
      query: querySchema,
      // documents the frames' data; the handler writes them to the hijacked response itself
      response: FlagSetSyncSchema as z.ZodType<unknown>,
      produces: 'text/event-stream',
      async handler({ query, principal, headers, reply }) {
        const environment = environmentOf(principal, query.environment);
        const tokenKey = principal.tokenId ?? principal.subject;
        const flags = await deps.flagSets.get(environment);
        // admitted and opened with no await between: streams opened at once cannot all pass the cap
        deps.streams.admit(tokenKey);
        const secret = bearerSecret(headers.authorization as string | undefined) ?? '';
        reply.hijack();
        deps.streams.open(
          reply.raw,
          flags,
          emergencyHeaders(environment),
          async () => {
            const now = await deps.tokens.verify(secret);
            return (
              now !== null &&
              evaluationEnvironment(now, query.environment, deps.defaultEnvironment()) === environment
            );
          },
          tokenKey,
        );
      },
    }),
  ];
}
