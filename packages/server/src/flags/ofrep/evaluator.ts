/**
 * OFREP evaluation without a transport: a parsed request in, an answer (status, JSON text,
 * ETag, emergency header) out. Both ways in share it — the Fastify routes (ofrep.routes.ts: inject,
 * unusual requests) and the raw node:http fast path (fast-path.ts) — so they answer alike.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { isSluiceError } from '@sluice/core';
import { type EvaluationResult, evaluate, type FlagValueType, type JsonValue } from '@sluice/core/flags';
import type { TokenVerifier } from '../../http/auth.js';
import type { Principal } from '../../http/route.js';
import { emergencyHeaderValue } from '../emergency/header.js';
import type { EnvironmentFlags, FlagSetCache } from '../flag-sets.js';
import { evaluationEnvironment, knownPrincipal, requiredSecret } from './access.js';
import { OfrepBadRequest } from './errors.js';
import { bulkJson, evaluationJson } from './fragments.js';
import type { EventStream } from './ofrep.schema.js';
import { bulkEtag, contextProblem, etagMatches } from './results.js';

/**
 * Called once per evaluated flag (insight counters, experiment exposures); must not throw or
 * block. `result` and `context` let an experiment's flag expose the context's targeting key.
 */
export type EvaluationHook = (
  environment: string,
  flagKey: string,
  variant: string | undefined,
  result?: Pick<EvaluationResult<unknown>, 'reason' | 'flagMetadata'>,
  context?: Record<string, unknown>,
) => void;

export interface EvaluatorDeps {
  flagSets: FlagSetCache;
  tokens: TokenVerifier;
  emergency: (environment: string) => { environment: string } | null;
  defaultEnvironment: () => string;
  now?: () => Date;
  onEvaluated?: EvaluationHook;
  /** Seconds a hidden client stays connected to the change stream (OFREP's inactivityDelaySec). */
  inactivityDelaySec?: number;
}

/** What a request brings: its headers, `?environment=` when it is one string, the parsed body. */
export interface OfrepCall {
  headers: IncomingHttpHeaders;
  environment: string | undefined;
  body: unknown;
}

/** What to answer. `body` is JSON text, null for 304; CORS and request id are the transport's. */
export interface OfrepAnswer {
  status: number;
  body: string | null;
  etag?: string;
  /** The `Sluice-Emergency` header's value while the environment is in emergency mode. */
  emergency?: string;
}

const UNTYPED = 'any' as FlagValueType;
export const EVENTS_URL = '/ofrep/v1/events';

export class OfrepEvaluator {
  private readonly now: () => Date;
  private readonly onEvaluated: EvaluationHook;
  /** `environment\0secret` → the bulk answer's `eventStreams` JSON. */
  private readonly streams = new Map<string, string>();
  /** Flag sets (by the cache's promise for them) that are built. */
  private readonly settled = new WeakMap<Promise<EnvironmentFlags>, EnvironmentFlags>();

  constructor(private readonly deps: EvaluatorDeps) {
    this.now = deps.now ?? (() => new Date());
    this.onEvaluated = deps.onEvaluated ?? (() => {});
  }

  /** `POST /ofrep/v1/evaluate/flags/{key}`. Never throws: failures are answers. */
  async single(key: string, call: OfrepCall, log: (error: unknown) => void): Promise<OfrepAnswer> {
    let emergency: string | undefined;
    try {
      const secret = requiredSecret(call.headers);
      const environment = this.environmentOf(await this.deps.tokens.verify(secret), call);
      emergency = this.emergencyOf(environment);
      const context = readContext(call.body);
      const problem = contextProblem(context);
      if (problem)
        return answer(400, { key, errorCode: 'INVALID_CONTEXT', errorDetails: problem }, emergency);
      const ready = this.flagsNow(environment);
      const flags = ready instanceof Promise ? await ready : ready;
      // OFREP sends no type, so evaluate untyped ('any', as evaluateAll does); the provider
      // checks the value against its default's type (TYPE_MISMATCH is raised there)
      const result = evaluate(flags.set, key, UNTYPED, undefined as never, context, {
        now: Math.floor(this.now().getTime() / 1000),
        overlay: flags.overlay,
      });
      let status = 200;
      if (result.errorCode) status = result.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400;
      else this.onEvaluated(environment, key, result.variant, result, context as Record<string, unknown>);
      return { status, body: evaluationJson(key, result as never), emergency };
    } catch (error) {
      return { ...errorAnswer(error, key, log), emergency };
    }
  }

  /** `POST /ofrep/v1/evaluate/flags`: every flag, with ETag / If-None-Match. Never throws. */
  async bulk(call: OfrepCall, log: (error: unknown) => void): Promise<OfrepAnswer> {
    let emergency: string | undefined;
    try {
      const secret = requiredSecret(call.headers);
      const environment = this.environmentOf(await this.deps.tokens.verify(secret), call);
      emergency = this.emergencyOf(environment);
      const context = readContext(call.body);
      const problem = contextProblem(context);
      if (problem) return answer(400, { errorCode: 'INVALID_CONTEXT', errorDetails: problem }, emergency);
      const ready = this.flagsNow(environment);
      const flags = ready instanceof Promise ? await ready : ready;
      const etag = bulkEtag(environment, flags.digest, context);
      if (etag === null)
        return answer(
          400,
          { errorCode: 'INVALID_CONTEXT', errorDetails: 'the context is nested too deeply' },
          emergency,
        );
      if (etagMatches(call.headers['if-none-match'], etag))
        return { status: 304, body: null, etag, emergency };
      const options = { now: Math.floor(this.now().getTime() / 1000), overlay: flags.overlay };
      const parts: string[] = [];
      for (const key of flags.set.flags.keys()) {
        const result = evaluate(flags.set, key, UNTYPED, undefined as never, context, options);
        parts.push(evaluationJson(key, result as never));
        if (!result.errorCode)
          this.onEvaluated(environment, key, result.variant, result, context as Record<string, unknown>);
      }
      const body = bulkJson(parts, this.eventStreams(environment, secret), flags.set.metadata);
      return { status: 200, body, etag, emergency };
    } catch (error) {
      return { ...errorAnswer(error, undefined, log), emergency };
    }
  }

  /** The environment a verified principal evaluates in (see access.ts). */
  private environmentOf(principal: Principal | null, call: OfrepCall): string {
    return evaluationEnvironment(knownPrincipal(principal), call.environment, this.deps.defaultEnvironment());
  }

  /**
   * The environment's flags without waiting when its set is built (nearly always): awaiting a
   * settled promise still costs a turn of the microtask queue on every request.
   */
  private flagsNow(environment: string): EnvironmentFlags | Promise<EnvironmentFlags> {
    const pending = this.deps.flagSets.get(environment);
    const flags = this.settled.get(pending);
    if (flags !== undefined) return flags;
    return pending.then((built) => {
      this.settled.set(pending, built);
      return built;
    });
  }

  private emergencyOf(environment: string): string | undefined {
    return emergencyHeaderValue(this.deps.emergency(environment));
  }

  /** The change stream's announcement; the caller's own token rides in its URL (see streamUri). */
  private eventStreams(environment: string, secret: string): string {
    const id = `${environment}\u0000${secret}`;
    let json = this.streams.get(id);
    if (json === undefined) {
      const streams: EventStream[] = [
        {
          type: 'sse',
          endpoint: { requestUri: streamUri(environment, secret) },
          inactivityDelaySec: this.deps.inactivityDelaySec ?? 120,
        },
      ];
      json = JSON.stringify(streams);
      if (this.streams.size >= 1000) this.streams.clear();
      this.streams.set(id, json);
    }
    return json;
  }
}

function answer(status: number, body: object, emergency?: string): OfrepAnswer {
  return { status, body: JSON.stringify(body), emergency };
}

/**
 * The stream's address. Browsers' EventSource cannot send headers, so the caller's own token
 * rides in the query (the spec allows credentials in the URL and tells providers not to log it).
 */
export function streamUri(environment: string, secret: string): string {
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

/**
 * Every failure in OFREP's shape, never problem+json: ours (401/403/400), Fastify's or the fast
 * path's body errors (413, 415, 400 → PARSE_ERROR), and the unexpected (500, logged).
 */
export function errorAnswer(
  error: unknown,
  key: string | undefined,
  log: (error: unknown) => void,
): OfrepAnswer {
  const withKey = (errorCode: string, errorDetails: string) =>
    key === undefined ? { errorCode, errorDetails } : { key, errorCode, errorDetails };
  if (isSluiceError(error)) {
    if (error.status === 400) return answer(400, withKey('PARSE_ERROR', error.detail));
    return answer(error.status, { errorDetails: error.detail });
  }
  const { statusCode, message } = (error ?? {}) as { statusCode?: number; message?: string };
  const status = statusCode ?? 500;
  if (status === 413 || status === 415) return answer(status, { errorDetails: message });
  if (status >= 400 && status < 500) return answer(400, withKey('PARSE_ERROR', message ?? 'bad request'));
  log(error);
  return answer(500, { errorDetails: 'an internal error occurred; the request id identifies it' });
}
