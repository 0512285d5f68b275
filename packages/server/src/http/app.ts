/**
 * Builds the Fastify application from a route table: input validation with the routes' zod
 * schemas, bearer-token authorisation by declared scope, problem+json errors, request ids and
 * the request-duration histogram.
 */
import { randomUUID } from 'node:crypto';
import {
  Forbidden,
  Internal,
  isSluiceError,
  NotFound,
  PayloadTooLarge,
  type SluiceError,
  Unauthorized,
  UnsupportedMediaType,
  ValidationFailed,
} from '@sluice/core';
import { ANY_ENVIRONMENT, scopesGrant, scopesGrantSomewhere } from '@sluice/core/auth';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Registry } from 'prom-client';
import { storageError } from '../storage/errors.js';
import { lostError, type StorageHealth } from '../storage/health.js';
import { ANONYMOUS, bearerSecret, type TokenVerifier } from './auth.js';
import { parseJsonBody } from './json-parse.js';
import { PROBLEM_CONTENT_TYPE, toProblem, zodFields } from './problem.js';
import { createPrometheusExposition } from './prometheus-exposition.js';
import type { RequestDurations } from './request-durations.js';
import type { RequestLog } from './request-log.js';
import type { AnyRoute, Principal } from './route.js';
import { routeEnvironment } from './route-environment.js';

export interface AppOptions {
  routes: AnyRoute[];
  tokens: TokenVerifier;
  logger?: FastifyBaseLogger | boolean;
  bodyLimit?: number;
  /** Adds headers that depend on the environment a request acts on (Sluice-Emergency). */
  decorateResponse?: (reply: FastifyReply, environment: string | null) => void;
  /** One line per API request, a summary for the busy ones (Fastify's own two lines are off). */
  requestLog?: RequestLog;
  /** Told of storage failures; a lost database refuses writes with its cause. */
  storage?: StorageHealth;
}

export interface SluiceApp {
  fastify: FastifyInstance;
  routes: AnyRoute[];
  metrics: Registry;
  /** The request-duration histogram in `metrics`: listeners beside Fastify record there too. */
  requestDurations: RequestDurations;
  /** Where listeners mounted beside Fastify report their requests. */
  requestLog: RequestLog | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function buildApp(options: AppOptions): SluiceApp {
  const fastify = Fastify({
    loggerInstance: typeof options.logger === 'object' ? options.logger : undefined,
    logger: typeof options.logger === 'boolean' ? options.logger : undefined,
    bodyLimit: options.bodyLimit ?? 2 * 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { maxParamLength: 512 },
    // errors Fastify raises before routing (bad URL, param too long) get the same problem body
    frameworkErrors: (error, request, reply) => {
      sendError(toSluiceError(error, request, options.storage), request, reply);
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // request-log.ts's one line per request replaces Fastify's two
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  const { registry, httpDuration } = createPrometheusExposition();
  // JSON only: a text body on a JSON route is a 415, not a string handed to validation
  fastify.removeContentTypeParser('text/plain');
  // the same parser as OFREP's evaluation path, with a nesting limit (deep input overflowed zod: L1)
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const parsed = parseJsonBody(body as string);
    if ('value' in parsed) done(null, parsed.value);
    else
      done(
        Object.assign(new Error(parsed.error.message), { statusCode: parsed.error.statusCode }),
        undefined,
      );
  });

  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    httpDuration.observe(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    options.requestLog?.done({
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      ms: reply.elapsedTime,
      reqId: request.id,
    });
  });

  fastify.setErrorHandler((error, request, reply) =>
    sendError(toSluiceError(error, request, options.storage), request, reply),
  );
  fastify.setNotFoundHandler((request, reply) =>
    sendError(NotFound(`no route for ${request.method} ${request.url.split('?')[0]}`), request, reply),
  );

  for (const route of options.routes) register(fastify, route, options);
  return {
    fastify,
    routes: options.routes,
    metrics: registry,
    requestDurations: httpDuration,
    requestLog: options.requestLog,
  };
}

function register(
  fastify: FastifyInstance,
  route: AnyRoute,
  { tokens, decorateResponse, storage }: AppOptions,
): void {
  const writes = route.method !== 'GET';
  const environmentOf = routeEnvironment(route);
  fastify.route({
    method: route.method,
    url: route.url,
    handler: async (request, reply) => {
      // a database whose files were lost must not take writes into a file nobody will see
      const problem = writes ? (storage?.problem() ?? null) : null;
      if (problem?.startsWith('DATABASE_LOST')) throw lostError(problem);
      // who, then may they (judged on the raw environment: a bad value can only narrow what a
      // limited token may do), and only then is the input validated
      const principal = await authenticate(route, request, tokens);
      const raw = { params: request.params ?? {}, query: request.query ?? {} } as {
        params: Record<string, unknown>;
        query: Record<string, unknown>;
      };
      const environment = environmentOf(raw);
      authorizeOrThrow(principal, route.scope, environment);
      const input = validate(route, request, ['params', 'query', 'body']);
      decorateResponse?.(reply, environment);
      const result = await route.handler({
        ...input,
        headers: request.headers,
        principal,
        requestId: request.id,
        log: request.log,
        reply,
        // a handler checks one concrete environment: "*" from an item grants a limited token nothing
        authorize: (need, env) => authorizeOrThrow(principal, need, env === ANY_ENVIRONMENT ? null : env),
      });
      if (reply.sent) return reply;
      reply.status(reply.statusCode !== 200 ? reply.statusCode : (route.status ?? 200));
      if (route.produces) reply.type(route.produces);
      return result === undefined ? reply.send() : reply.send(result);
    },
  });
}

async function authenticate(
  route: AnyRoute,
  request: FastifyRequest,
  tokens: TokenVerifier,
): Promise<Principal> {
  const secret = bearerSecret(request.headers.authorization);
  if (secret === null) {
    if (route.scope === 'public') return ANONYMOUS;
    throw Unauthorized('this route needs a bearer token (Authorization: Bearer <token>)');
  }
  const principal = await tokens.verify(secret);
  if (principal) return principal;
  if (route.scope === 'public') return ANONYMOUS;
  throw Unauthorized('the bearer token is unknown, revoked or expired');
}

function authorizeOrThrow(principal: Principal, need: AnyRoute['scope'], environment: string | null): void {
  // ANY_ENVIRONMENT reaches here only from a route's own declaration (route-environment.ts)
  const granted =
    environment === ANY_ENVIRONMENT
      ? scopesGrantSomewhere(principal.scopes, need)
      : scopesGrant(principal.scopes, need, environment);
  if (granted) return;
  const where = environment && environment !== '*' ? ` in environment "${environment}"` : '';
  throw Forbidden(
    `this needs the "${need}" scope${where}; the token has ${principal.scopes.join(', ') || 'no scopes'}`,
  );
}

type Part = 'params' | 'query' | 'body';

function validate(
  route: AnyRoute,
  request: FastifyRequest,
  which: Part[],
): { params: unknown; query: unknown; body: unknown } {
  const fields = [];
  const parts = { params: request.params, query: request.query, body: request.body } as Record<
    string,
    unknown
  >;
  const out: Record<string, unknown> = {};
  for (const part of which) {
    const schema = route[part];
    if (!schema) {
      out[part] = undefined;
      continue;
    }
    const result = schema.safeParse(parts[part]);
    if (result.success) out[part] = result.data;
    else fields.push(...zodFields(part, result.error));
  }
  if (fields.length) {
    throw ValidationFailed(
      `${fields.length} field${fields.length > 1 ? 's are' : ' is'} not valid: ${fields.map((f) => f.path).join(', ')}`,
      { fields },
    );
  }
  return out as { params: unknown; query: unknown; body: unknown };
}

function toSluiceError(error: unknown, request: FastifyRequest, health?: StorageHealth): SluiceError {
  if (isSluiceError(error)) {
    health?.observe(error);
    return error;
  }
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return PayloadTooLarge(e.message ?? 'body too large');
  if (e.statusCode === 415) return UnsupportedMediaType(e.message ?? 'unsupported content type');
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return ValidationFailed(e.message ?? 'bad request', {
      fields: [{ path: 'body', message: e.message ?? 'bad request' }],
    });
  }
  const storage = storageError(error);
  if (storage) {
    health?.observe(storage);
    request.log.error({ err: error }, storage.detail);
    return storage;
  }
  request.log.error({ err: error }, 'unhandled error');
  return Internal('an internal error occurred; the request id identifies it in the server log');
}

function sendError(error: SluiceError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.status >= 500) request.log.error({ err: error.cause ?? error }, error.detail);
  // a database outage passes: say when to try again (RFC 9110 §10.2.3)
  if (error.status === 503) reply.header('retry-after', '5');
  const retry = error.extensions.retryAfterSeconds;
  if (typeof retry === 'number') reply.header('retry-after', String(retry));
  return reply
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(toProblem(error, request.url.split('?')[0], request.id));
}
