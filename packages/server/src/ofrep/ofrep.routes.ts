/**
 * OFREP on the control plane: `POST /ofrep/v1/evaluate/flags/{key}`, the bulk
 * `POST /ofrep/v1/evaluate/flags` (ETag / If-None-Match), and the change stream
 * `GET /ofrep/v1/events`. Mounted on Fastify beside the /api/v1 route table, not in it: the table
 * answers problem+json, and OFREP providers only understand OFREP's own error shapes.
 */
import { isSluiceError } from '@sluice/core';
import { evaluate, evaluateAll, type FlagValueType, type JsonValue } from '@sluice/core/flags';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FlagSetCache } from '../flags/flag-sets.js';
import type { TokenVerifier } from '../http/auth.js';
import { authorizeEvaluation } from './access.js';
import { corsHeaders, registerPreflight } from './cors.js';
import { OfrepBadRequest } from './errors.js';
import type { BulkEvaluationSuccess, EvaluationFailure, EvaluationSuccess } from './ofrep.schema.js';
import { bulkEtag, contextProblem, etagMatches, toOfrep } from './results.js';
import { ChangeStreams } from './stream.js';

/** Called once per evaluated flag, for insight counters; must not throw or block. */
export type EvaluationHook = (environment: string, flagKey: string, variant: string | undefined) => void;

export interface OfrepDeps {
  flagSets: FlagSetCache;
  tokens: TokenVerifier;
  emergency: (environment: string) => { environment: string } | null;
  defaultEnvironment: () => string;
  now?: () => Date;
  onEvaluated?: EvaluationHook;
  /** Largest request body; bigger ones get 413. Default 1 MiB + room for the envelope. */
  bodyLimit?: number;
  /** Seconds a hidden client stays connected to the change stream (OFREP's inactivityDelaySec). */
  inactivityDelaySec?: number;
}

interface Query {
  environment?: string;
  token?: string;
}

const UNTYPED = 'any' as FlagValueType;
const KEY_URL = '/ofrep/v1/evaluate/flags/:key';
const BULK_URL = '/ofrep/v1/evaluate/flags';
const EVENTS_URL = '/ofrep/v1/events';

export function mountOfrep(fastify: FastifyInstance, deps: OfrepDeps): ChangeStreams {
  const now = deps.now ?? (() => new Date());
  const onEvaluated = deps.onEvaluated ?? (() => {});
  const streams = new ChangeStreams(deps.flagSets);
  const bodyLimit = deps.bodyLimit ?? 1024 * 1024 + 4096;
  fastify.addHook('preClose', async () => streams.close());
  registerPreflight(fastify, [KEY_URL, BULK_URL, EVENTS_URL]);

  const emergencyHeader = (reply: FastifyReply, environment: string) => {
    const state = deps.emergency(environment);
    if (state) reply.header('sluice-emergency', `active; environment=${state.environment}`);
  };
  const authorize = (request: FastifyRequest, allowQueryToken = false) => {
    const query = request.query as Query;
    return authorizeEvaluation(
      deps.tokens,
      request.headers,
      typeof query.environment === 'string' ? query.environment : undefined,
      deps.defaultEnvironment(),
      allowQueryToken && typeof query.token === 'string' ? query.token : undefined,
    );
  };

  fastify.route({
    method: 'POST',
    url: KEY_URL,
    bodyLimit,
    onRequest: async (_request, reply) => corsHeaders(reply),
    errorHandler: ofrepErrorHandler,
    handler: async (request, reply) => {
      const { key } = request.params as { key: string };
      const { environment } = await authorize(request);
      emergencyHeader(reply, environment);
      const context = readContext(request.body);
      const problem = contextProblem(context);
      if (problem) {
        const body: EvaluationFailure = { key, errorCode: 'INVALID_CONTEXT', errorDetails: problem };
        return reply.status(400).send(body);
      }
      const flags = await deps.flagSets.get(environment);
      // OFREP sends no type, so evaluate untyped ('any', as evaluateAll does); the provider
      // checks the value against its default's type (TYPE_MISMATCH is raised there)
      const result = evaluate(flags.set, key, UNTYPED, undefined as never, context, {
        now: Math.floor(now().getTime() / 1000),
        overlay: flags.overlay,
      });
      const out = toOfrep(key, result as never);
      if (out.status === 200) onEvaluated(environment, key, result.variant);
      return reply.status(out.status).send(out.body);
    },
  });

  fastify.route({
    method: 'POST',
    url: BULK_URL,
    bodyLimit,
    onRequest: async (_request, reply) => corsHeaders(reply),
    errorHandler: ofrepErrorHandler,
    handler: async (request, reply) => {
      const { environment, secret } = await authorize(request);
      emergencyHeader(reply, environment);
      const context = readContext(request.body);
      const problem = contextProblem(context);
      if (problem) return reply.status(400).send({ errorCode: 'INVALID_CONTEXT', errorDetails: problem });
      const flags = await deps.flagSets.get(environment);
      const etag = bulkEtag(environment, flags.digest, context);
      if (etag === null)
        return reply
          .status(400)
          .send({ errorCode: 'INVALID_CONTEXT', errorDetails: 'the context is nested too deeply' });
      reply.header('etag', etag);
      if (etagMatches(request.headers['if-none-match'], etag)) return reply.status(304).send();
      const results = evaluateAll(flags.set, context, {
        now: Math.floor(now().getTime() / 1000),
        overlay: flags.overlay,
      });
      const items: (EvaluationSuccess | EvaluationFailure)[] = [];
      for (const r of results) {
        items.push(toOfrep(r.key, r).body);
        if (!r.errorCode) onEvaluated(environment, r.key, r.variant);
      }
      const body: BulkEvaluationSuccess = {
        flags: items,
        eventStreams: [
          {
            type: 'sse',
            endpoint: { requestUri: streamUri(environment, secret) },
            inactivityDelaySec: deps.inactivityDelaySec ?? 120,
          },
        ],
      };
      if (Object.keys(flags.set.metadata).length)
        body.metadata = flags.set.metadata as BulkEvaluationSuccess['metadata'];
      return reply.status(200).send(body);
    },
  });

  fastify.route({
    method: 'GET',
    url: EVENTS_URL,
    onRequest: async (_request, reply) => corsHeaders(reply),
    errorHandler: ofrepErrorHandler,
    handler: async (request, reply) => {
      const { environment } = await authorize(request, true);
      if (streams.size >= streams.maxConnections) {
        return reply
          .status(503)
          .header('retry-after', '30')
          .send({ errorDetails: 'too many change streams' });
      }
      const flags = await deps.flagSets.get(environment);
      reply.hijack();
      const state = deps.emergency(environment);
      streams.open(
        reply.raw,
        flags,
        state ? { 'sluice-emergency': `active; environment=${state.environment}` } : {},
        typeof request.headers['last-event-id'] === 'string' ? request.headers['last-event-id'] : undefined,
      );
    },
  });
  return streams;
}

/**
 * The stream's address. Browsers' EventSource cannot send headers, so the caller's own token
 * rides in the query (the spec allows credentials in the URL and tells providers not to log it).
 */
function streamUri(environment: string, secret: string): string {
  return `${EVENTS_URL}?${new URLSearchParams({ environment, token: secret })}`;
}

/** The body's `context`. A body that is not an object is a PARSE_ERROR; a missing context is `{}`. */
function readContext(body: unknown): unknown {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw OfrepBadRequest('the request body must be a JSON object: {"context": {...}}');
  const context = (body as { context?: unknown }).context;
  return context === undefined ? {} : (context as JsonValue);
}

/** Every failure of an OFREP route in OFREP's shape; never problem+json. */
function ofrepErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const key = (request.params as { key?: string } | undefined)?.key;
  const withKey = (errorCode: string, errorDetails: string) =>
    key === undefined ? { errorCode, errorDetails } : { key, errorCode, errorDetails };
  if (isSluiceError(error)) {
    if (error.status === 400) return reply.status(400).send(withKey('PARSE_ERROR', error.detail));
    return reply.status(error.status).send({ errorDetails: error.detail });
  }
  const status = error.statusCode ?? 500;
  if (status === 413 || status === 415) return reply.status(status).send({ errorDetails: error.message });
  if (status >= 400 && status < 500) return reply.status(400).send(withKey('PARSE_ERROR', error.message));
  request.log.error({ err: error }, 'OFREP request failed');
  return reply.status(500).send({ errorDetails: 'an internal error occurred; the request id identifies it' });
}
