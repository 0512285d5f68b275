/**
 * OFREP evaluation without a transport: a parsed request in, an answer (status, JSON text,
 * ETag, emergency header) out. transport.ts brings it every evaluation request.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { isSluiceError } from '@sluice/core';
import { type EvaluationResult, evaluate, type FlagValueType, type JsonValue } from '@sluice/core/flags';
import type { StreamTickets, TokenVerifier } from '../../http/auth.js';
import type { Principal } from '../../http/route.js';
import { storageError } from '../../storage/errors.js';
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
  tokens: TokenVerifier & StreamTickets;
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

/** An answer, or its promise when a token or a flag set had to be fetched first. */
export type Answering = OfrepAnswer | Promise<OfrepAnswer>;

/** What an evaluation works with once the request is authorised. */
interface Asked {
  principal: Principal;
  secret: string;
  environment: string;
  emergency: string | undefined;
  context: unknown;
  flags: EnvironmentFlags;
}

const UNTYPED = 'any' as FlagValueType;
export const EVENTS_URL = '/ofrep/v1/events';

export class OfrepEvaluator {
  private readonly now: () => Date;
  private readonly onEvaluated: EvaluationHook;
  /** `environment\0secret` → the bulk answer's `eventStreams` JSON, and when its ticket is renewed. */
  private readonly streams = new Map<string, { json: string; renewAt: number }>();
  /** Flag sets (by the cache's promise for them) that are built. */
  private readonly settled = new WeakMap<Promise<EnvironmentFlags>, EnvironmentFlags>();

  private readonly epochSeconds = () => Math.floor(this.now().getTime() / 1000);

  constructor(private readonly deps: EvaluatorDeps) {
    this.now = deps.now ?? (() => new Date());
    this.onEvaluated = deps.onEvaluated ?? (() => {});
  }

  /** `POST /ofrep/v1/evaluate/flags/{key}`. Never throws: failures are answers. */
  single(key: string, call: OfrepCall, log: (error: unknown) => void): Answering {
    return this.authorised(call, key, log, (asked) => {
      // OFREP sends no type, so evaluate untyped ('any', as evaluateAll does); the provider
      // checks the value against its default's type (TYPE_MISMATCH is raised there)
      // the clock is read only if a rule reads $flagd.timestamp
      const result = evaluate(asked.flags.set, key, UNTYPED, undefined as never, asked.context, {
        clock: this.epochSeconds,
        overlay: asked.flags.overlay,
      });
      let status = 200;
      if (result.errorCode) status = result.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400;
      else
        this.onEvaluated(
          asked.environment,
          key,
          result.variant,
          result,
          asked.context as Record<string, unknown>,
        );
      return { status, body: evaluationJson(key, result as never), emergency: asked.emergency };
    });
  }

  /** `POST /ofrep/v1/evaluate/flags`: every flag, with ETag / If-None-Match. Never throws. */
  bulk(call: OfrepCall, log: (error: unknown) => void): Answering {
    return this.authorised(call, undefined, log, (asked) => {
      const { flags, environment, context, emergency } = asked;
      const etag = bulkEtag(environment, flags.digest, context);
      if (etag === null)
        return answer(
          400,
          { errorCode: 'INVALID_CONTEXT', errorDetails: 'the context is nested too deeply' },
          emergency,
        );
      if (etagMatches(call.headers['if-none-match'], etag))
        return { status: 304, body: null, etag, emergency };
      const nowMs = this.now().getTime();
      const options = { now: Math.floor(nowMs / 1000), overlay: flags.overlay };
      const parts: string[] = [];
      for (const key of flags.set.flags.keys()) {
        const result = evaluate(flags.set, key, UNTYPED, undefined as never, context, options);
        parts.push(evaluationJson(key, result as never));
        if (!result.errorCode)
          this.onEvaluated(environment, key, result.variant, result, context as Record<string, unknown>);
      }
      const announced = this.eventStreams(environment, asked.secret, asked.principal, nowMs);
      const metadata = flags.set.metadata;
      if (typeof announced === 'string')
        return { status: 200, body: bulkJson(parts, announced, metadata), etag, emergency };
      return announced.then((streams) => ({
        status: 200,
        body: bulkJson(parts, streams, metadata),
        etag,
        emergency,
      }));
    });
  }

  /**
   * Authenticates, picks the environment, reads the context and finds the flags, then hands them
   * to `evaluation`; failures become answers. Synchronous when the token and the flag set are at
   * hand (nearly always): each await would cost a turn of the microtask queue per request.
   */
  private authorised(
    call: OfrepCall,
    key: string | undefined,
    log: (error: unknown) => void,
    evaluation: (asked: Asked) => Answering,
  ): Answering {
    try {
      const secret = requiredSecret(call.headers);
      const known = this.deps.tokens.verifyNow?.(secret);
      if (known !== undefined) return this.answerFor(known, secret, call, key, log, evaluation);
      return this.deps.tokens.verify(secret).then(
        (principal) => this.answerFor(principal, secret, call, key, log, evaluation),
        (error: unknown) => errorAnswer(error, key, log),
      );
    } catch (error) {
      // a verifier that throws instead of rejecting still gets an answer
      return errorAnswer(error, key, log);
    }
  }

  private answerFor(
    verified: Principal | null,
    secret: string,
    call: OfrepCall,
    key: string | undefined,
    log: (error: unknown) => void,
    evaluation: (asked: Asked) => Answering,
  ): Answering {
    let emergency: string | undefined;
    try {
      const principal = knownPrincipal(verified);
      const environment = this.environmentOf(principal, call);
      emergency = this.emergencyOf(environment);
      const context = readContext(call.body);
      const problem = contextProblem(context);
      if (problem) {
        const body = { errorCode: 'INVALID_CONTEXT', errorDetails: problem };
        return answer(400, key === undefined ? body : { key, ...body }, emergency);
      }
      // `emergency` as a const, for the promise callbacks below
      const header = emergency;
      const ready = this.flagsNow(environment);
      if (ready instanceof Promise) {
        return ready
          .then((flags) => evaluation({ principal, secret, environment, emergency: header, context, flags }))
          .catch((error: unknown) => withEmergency(errorAnswer(error, key, log), header));
      }
      const answering = evaluation({ principal, secret, environment, emergency, context, flags: ready });
      if (!(answering instanceof Promise)) return answering;
      return answering.catch((error: unknown) => withEmergency(errorAnswer(error, key, log), header));
    } catch (error) {
      return withEmergency(errorAnswer(error, key, log), emergency);
    }
  }

  /** The environment a verified principal evaluates in (see access.ts). */
  private environmentOf(principal: Principal, call: OfrepCall): string {
    return evaluationEnvironment(principal, call.environment, this.deps.defaultEnvironment());
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

  /**
   * The change stream's announcement. Its URL carries a stream ticket (never the token): it opens
   * only this environment's change stream, expires, and dies with the token. Renewed at half its
   * life, so a client that keeps its last answer (304) still holds a working one.
   */
  private eventStreams(
    environment: string,
    secret: string,
    principal: Principal,
    nowMs: number,
  ): string | Promise<string> {
    const id = `${environment}\u0000${secret}`;
    const hit = this.streams.get(id);
    if (hit !== undefined && hit.renewAt > nowMs) return hit.json;
    return this.deps.tokens.issueTicket(principal, environment, TICKET_TTL_SECONDS).then(
      ({ ticket }) => {
        const json = announcement(streamUri(environment, ticket), this.deps.inactivityDelaySec);
        if (this.streams.size >= 1000) this.streams.clear();
        this.streams.set(id, { json, renewAt: nowMs + (TICKET_TTL_SECONDS * 1000) / 2 });
        return json;
      },
      // no stored token to key a ticket (the bootstrap token): the stream takes the header
      () => announcement(streamUri(environment), this.deps.inactivityDelaySec),
    );
  }
}

/** Seconds an announced stream ticket opens streams for. */
const TICKET_TTL_SECONDS = 600;

function announcement(requestUri: string, inactivityDelaySec = 120): string {
  const streams: EventStream[] = [{ type: 'sse', endpoint: { requestUri }, inactivityDelaySec }];
  return JSON.stringify(streams);
}

function withEmergency(answer: OfrepAnswer, emergency: string | undefined): OfrepAnswer {
  return emergency === undefined ? answer : { ...answer, emergency };
}

function answer(status: number, body: object, emergency?: string): OfrepAnswer {
  return { status, body: JSON.stringify(body), emergency };
}

/**
 * The stream's address. Browsers' EventSource cannot send headers, so a stream ticket rides in
 * the query; the token itself never goes in a URL (SECURITY.md, "Secrets in logs").
 */
export function streamUri(environment: string, ticket?: string): string {
  return `${EVENTS_URL}?${new URLSearchParams(ticket === undefined ? { environment } : { environment, ticket })}`;
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
  const storage = storageError(error);
  if (storage) return answer(storage.status, { errorDetails: storage.detail });
  log(error);
  return answer(500, { errorDetails: 'an internal error occurred; the request id identifies it' });
}
