/**
 * OFREP on the control plane: `POST /ofrep/v1/evaluate/flags/{key}`, the bulk
 * `POST /ofrep/v1/evaluate/flags` (ETag / If-None-Match), and the change stream
 * `GET /ofrep/v1/events`. Mounted on Fastify beside the /api/v1 route table, not in it: the table
 * answers problem+json, and OFREP providers only understand OFREP's own error shapes.
 * Every evaluation is answered by one path, transport.ts: a node:http listener ahead of Fastify
 * takes the plain ones; the Fastify evaluation routes hand the others (and `inject`) to it.
 */

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestDurations } from '../../http/request-durations.js';
import type { RequestLog } from '../../http/request-log.js';
import { EMERGENCY_HEADER, emergencyHeaderValue } from '../emergency/header.js';
import { authorizeEvaluation, presentedSecret } from './access.js';
import { corsHeaders, registerPreflight } from './cors.js';
import { OfrepForbidden, OfrepUnauthorized } from './errors.js';
import {
  EVENTS_URL,
  type EvaluatorDeps,
  errorAnswer,
  type OfrepAnswer,
  OfrepEvaluator,
} from './evaluator.js';
import { ChangeStreams, type StreamLimits } from './stream.js';
import {
  BULK_URL,
  exchange,
  KEY_URL,
  ofrepListener,
  serveAhead,
  type TransportOptions,
} from './transport.js';

export type { EvaluationHook } from './evaluator.js';

export interface OfrepDeps extends EvaluatorDeps {
  /** Largest request body; bigger ones get 413. Default 1 MiB + room for the envelope. */
  bodyLimit?: number;
  /** The app's request-duration histogram: the listener records its evaluations there. */
  requestDurations?: RequestDurations;
  /** The app's request log: the listener reports its evaluations there, as Fastify's hook does. */
  requestLog?: RequestLog | undefined;
  /** Change streams per token and in all (config `quotas`). */
  streamLimits?: StreamLimits;
}

interface Query {
  environment?: string;
  ticket?: string;
}

export function mountOfrep(fastify: FastifyInstance, deps: OfrepDeps): ChangeStreams {
  const evaluator = new OfrepEvaluator(deps);
  const streams = new ChangeStreams(deps.flagSets, deps.streamLimits);
  const bodyLimit = deps.bodyLimit ?? 1024 * 1024 + 4096;
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
    streams.close();
  });
  registerPreflight(fastify, [KEY_URL, BULK_URL, EVENTS_URL]);

  const transport: TransportOptions = {
    evaluator,
    bodyLimit,
    log: fastify.log,
    durations: deps.requestDurations,
    requestLog: deps.requestLog,
  };
  // the evaluations are transport.ts's; these routes hand it what Fastify received (inject,
  // percent-encoded keys), with the body unread: the exchange reads and parses it itself
  fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const handOver = async (request: FastifyRequest, reply: FastifyReply, key: string | null) => {
      reply.hijack();
      const mark = request.url.indexOf('?');
      const query = mark < 0 ? '' : request.url.slice(mark + 1);
      exchange(transport, request.raw, reply.raw, key, query, { requestId: request.id, viaFastify: true });
    };
    scope.route({
      method: 'POST',
      url: KEY_URL,
      bodyLimit,
      errorHandler: ofrepErrorHandler,
      handler: (request, reply) => handOver(request, reply, (request.params as { key: string }).key),
    });
    scope.route({
      method: 'POST',
      url: BULK_URL,
      bodyLimit,
      errorHandler: ofrepErrorHandler,
      handler: (request, reply) => handOver(request, reply, null),
    });
  });

  fastify.route({
    method: 'GET',
    url: EVENTS_URL,
    onRequest: async (_request, reply) => corsHeaders(reply),
    errorHandler: ofrepErrorHandler,
    handler: async (request, reply) => {
      const query = request.query as Query;
      const { principal, environment } = await streamAccess(deps, request.headers, query);
      const refusal = streams.refusal(principal.tokenId ?? principal.subject);
      if (refusal !== null) {
        return reply
          .status(refusal.status)
          .header('retry-after', '30')
          .send({ errorDetails: refusal.detail });
      }
      const flags = await deps.flagSets.get(environment);
      reply.hijack();
      const emergency = emergencyHeaderValue(deps.emergency(environment));
      streams.open(
        reply.raw,
        principal.tokenId ?? principal.subject,
        flags,
        emergency ? { [EMERGENCY_HEADER]: emergency } : {},
        typeof request.headers['last-event-id'] === 'string' ? request.headers['last-event-id'] : undefined,
      );
    },
  });

  serveAhead(
    fastify.server,
    ofrepListener(transport, () => closing),
  );
  return streams;
}

/**
 * Who opens a change stream: a bearer token (header), or a stream ticket (`?ticket=`, for
 * EventSource, which sends no headers). A token in the URL is no token (SECURITY.md).
 */
async function streamAccess(deps: OfrepDeps, headers: FastifyRequest['headers'], query: Query) {
  const named = typeof query.environment === 'string' ? query.environment : undefined;
  if (presentedSecret(headers) === null && typeof query.ticket === 'string') {
    const granted = await deps.tokens.verifyTicket(query.ticket);
    if (granted === null)
      throw OfrepUnauthorized('the stream ticket is unknown, expired or its token revoked');
    if (named !== undefined && named !== granted.environment)
      throw OfrepForbidden(`the stream ticket is for "${granted.environment}", not "${named.slice(0, 64)}"`);
    return granted;
  }
  return authorizeEvaluation(deps.tokens, headers, named, deps.defaultEnvironment());
}

function send(reply: FastifyReply, answer: OfrepAnswer): FastifyReply {
  if (answer.emergency !== undefined) reply.header(EMERGENCY_HEADER, answer.emergency);
  if (answer.etag !== undefined) reply.header('etag', answer.etag);
  reply.status(answer.status);
  if (answer.body === null) return reply.send();
  return reply.type('application/json; charset=utf-8').send(answer.body);
}

/** Every failure of an OFREP route in OFREP's shape; never problem+json. */
function ofrepErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const key = (request.params as { key?: string } | undefined)?.key;
  return send(
    reply,
    errorAnswer(error, key, (e) => request.log.error({ err: e }, 'OFREP request failed')),
  );
}
