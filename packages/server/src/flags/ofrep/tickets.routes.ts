/**
 * `POST /api/v1/stream-tickets`: a stream ticket for a browser's EventSource, which cannot send
 * an Authorization header. The ticket opens `GET /ofrep/v1/events?ticket=…` in one environment
 * for a few minutes and dies with its token; the token never goes in a URL.
 */
import { ENVIRONMENT_NAME } from '@sluice/core/auth';
import { z } from 'zod';
import type { StreamTickets } from '../../http/auth.js';
import { defineRoute } from '../../http/route.js';
import { environmentFor } from './access.js';
import { streamUri } from './evaluator.js';

export const STREAM_TICKET_MAX_SECONDS = 600;

export function streamTicketRoutes(tickets: StreamTickets, defaultEnvironment: () => string) {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/stream-tickets',
      // an sdk token names no environment: the handler finds its own and checks it
      scope: 'token',
      summary: 'A short-lived ticket that opens the OFREP change stream without a header',
      tag: 'flags',
      query: z
        .object({
          environment: z.string().regex(ENVIRONMENT_NAME, 'an environment name').optional(),
          ttlSeconds: z.coerce.number().int().min(10).max(STREAM_TICKET_MAX_SECONDS).optional(),
        })
        .strict(),
      response: z.object({
        ticket: z.string(),
        environment: z.string(),
        expiresAt: z.string(),
        streamUri: z.string(),
      }),
      status: 201,
      handler: async ({ query, principal, authorize }) => {
        const environment = environmentFor(principal, query.environment, defaultEnvironment());
        authorize('sdk', environment);
        const { ticket, expiresAt } = await tickets.issueTicket(
          principal,
          environment,
          query.ttlSeconds ?? STREAM_TICKET_MAX_SECONDS,
        );
        return { ticket, environment, expiresAt, streamUri: streamUri(environment, ticket) };
      },
    }),
  ];
}
