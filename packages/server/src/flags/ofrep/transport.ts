/**
 * OFREP evaluations over HTTP: the one path every `POST /ofrep/v1/evaluate/flags[/{key}]` takes,
 * from the request's bytes to the answer's (content type, body limit, JSON parsing and depth limit,
 * `?environment=`, the evaluator, CORS, request id, ETag/304, emergency header, OFREP errors,
 * the request-duration histogram and the request log).
 *
 * Why on node:http rather than Fastify: an evaluation is a few microseconds of work, and Fastify's
 * per-request machinery (request/reply objects, hook runners, content-type parser, async
 * resources) cost more than the evaluation itself (bench/ofrep). So a listener placed before
 * Fastify's on the same server answers every evaluation whose URL is plain (no percent-encoding)
 * while the server is open. The Fastify routes (ofrep.routes.ts) only hand their raw request and
 * response to the same `Exchange`: they exist for `inject`, for percent-encoded keys (Fastify's
 * router decodes them) and for the route table; while closing, Fastify answers 503 as it does for
 * every route.
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { FastifyBaseLogger } from 'fastify';
import type { RequestDurations } from '../../http/request-durations.js';
import type { RequestLog } from '../../http/request-log.js';
import { EMERGENCY_HEADER } from '../emergency/header.js';
import { CORS_HEADERS } from './cors.js';
import { errorAnswer, type OfrepAnswer, type OfrepCall, type OfrepEvaluator } from './evaluator.js';
import { type BodyError, isJsonType, parseJsonBody, readBody, UNSUPPORTED_TYPE } from './json-body.js';

export const BULK_URL = '/ofrep/v1/evaluate/flags';
export const KEY_URL = '/ofrep/v1/evaluate/flags/:key';

/** Fastify's route parameter limit (routerOptions.maxParamLength in http/app.ts). */
const MAX_KEY_LENGTH = 512;
/** The request ids Fastify accepts from `X-Request-Id` (http/app.ts); others get a new one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_TYPE = 'application/json; charset=utf-8';
const ALLOW_ORIGIN = CORS_HEADERS['access-control-allow-origin'] as string;
const EXPOSE_HEADERS = CORS_HEADERS['access-control-expose-headers'] as string;

export interface TransportOptions {
  evaluator: OfrepEvaluator;
  bodyLimit: number;
  log: FastifyBaseLogger;
  /** Where a request's duration goes, as Fastify's onResponse hook records its routes'. */
  durations?: RequestDurations | undefined;
  /** Counts the request for the log's summary (or logs it, when every request is asked for). */
  requestLog?: RequestLog | undefined;
}

/** How a request reached the exchange. */
interface Entry {
  /** The request id; undefined: from `X-Request-Id` when acceptable, else a new one. */
  requestId?: string;
  /**
   * Through Fastify (a hijacked reply): Fastify's onResponse hook records and logs it, and
   * headers go through setHeader, which `inject` reads back.
   */
  viaFastify: boolean;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Which OFREP evaluation a URL asks for: the flag key (single) or null (bulk); undefined: not ours. */
export function evaluationTarget(url: string): { key: string | null; query: string } | undefined {
  if (!url.startsWith(BULK_URL) || url.includes('%')) return undefined;
  const mark = url.indexOf('?', BULK_URL.length);
  const path = mark < 0 ? url.slice(BULK_URL.length) : url.slice(BULK_URL.length, mark);
  const query = mark < 0 ? '' : url.slice(mark + 1);
  if (path === '') return { key: null, query };
  if (path.length < 2 || path.length > MAX_KEY_LENGTH + 1 || path.charCodeAt(0) !== 47) return undefined;
  const key = path.slice(1);
  return key.includes('/') || key.includes('#') ? undefined : { key, query };
}

/** Answers one evaluation request: `key` null for the bulk evaluation. */
export function exchange(
  options: TransportOptions,
  req: IncomingMessage,
  res: ServerResponse,
  key: string | null,
  query: string,
  entry: Entry,
): void {
  const ex = new Exchange(options, req, res, key, query, entry);
  const type = req.headers['content-type'];
  if (type === undefined) {
    // Fastify's rule: no content type and no body is a request without a body
    const length = req.headers['content-length'];
    if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0'))
      ex.evaluate(undefined);
    else ex.answer(UNSUPPORTED_TYPE, '');
  } else if (isJsonType(type)) readBody(req, options.bodyLimit, (error, text) => ex.answer(error, text));
  else ex.answer(UNSUPPORTED_TYPE, '');
}

/**
 * A request listener answering the evaluations whose URL is plain, while `closing()` is false;
 * false: not taken (Fastify's turn).
 */
export function ofrepListener(options: TransportOptions, closing: () => boolean): Listener {
  const entry: Entry = { viaFastify: false };
  return (req, res) => {
    if (req.method !== 'POST' || closing()) return false;
    const target = evaluationTarget(req.url ?? '');
    if (target === undefined) return false;
    exchange(options, req, res, target.key, target.query, entry);
    return true;
  };
}

/** One request (methods, not per-request closures: this is the hot path). */
class Exchange {
  private readonly started: number;
  private readonly requestId: string;

  constructor(
    private readonly options: TransportOptions,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly key: string | null,
    private readonly query: string,
    private readonly entry: Entry,
  ) {
    this.started = entry.viaFastify ? 0 : performance.now();
    const given = req.headers['x-request-id'];
    this.requestId =
      entry.requestId ?? (typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID());
  }

  answer(error: BodyError | null, text: string): void {
    const parsed = error ? { error } : parseJsonBody(text);
    if ('error' in parsed) this.finish(this.failure(parsed.error));
    else this.evaluate(parsed.value);
  }

  evaluate(body: unknown): void {
    const environment = this.query ? parseQuery(this.query).environment : undefined;
    const call: OfrepCall = {
      headers: this.req.headers,
      environment: typeof environment === 'string' ? environment : undefined,
      body,
    };
    const { evaluator } = this.options;
    const answering =
      this.key === null
        ? evaluator.bulk(call, (e) => this.logError(e))
        : evaluator.single(this.key, call, (e) => this.logError(e));
    if (answering instanceof Promise)
      answering.then(
        (answer) => this.finish(answer),
        (failure: unknown) => this.finish(this.failure(failure)),
      );
    else this.finish(answering);
  }

  private failure(error: unknown): OfrepAnswer {
    return errorAnswer(error, this.key ?? undefined, (e) => this.logError(e));
  }

  private logError(error: unknown): void {
    this.options.log.error({ err: error, reqId: this.requestId }, 'OFREP request failed');
  }

  private finish(answer: OfrepAnswer): void {
    if (this.entry.viaFastify) {
      writeThroughSetHeader(this.res, answer, this.requestId);
      return;
    }
    write(this.res, answer, this.requestId);
    const { durations, requestLog } = this.options;
    if (durations === undefined && requestLog === undefined) return;
    const seconds = (performance.now() - this.started) / 1000;
    durations?.observe('POST', this.key === null ? BULK_URL : KEY_URL, answer.status, seconds);
    if (requestLog === undefined || requestLog.counted('ofrep', answer.status)) return;
    requestLog.done({
      method: 'POST',
      url: this.req.url ?? '',
      status: answer.status,
      ms: seconds * 1000,
      reqId: this.requestId,
    });
  }
}

function write(res: ServerResponse, answer: OfrepAnswer, requestId: string): void {
  const headers = [
    'x-request-id',
    requestId,
    'access-control-allow-origin',
    ALLOW_ORIGIN,
    'access-control-expose-headers',
    EXPOSE_HEADERS,
  ];
  if (answer.emergency !== undefined) headers.push(EMERGENCY_HEADER, answer.emergency);
  if (answer.etag !== undefined) headers.push('etag', answer.etag);
  if (answer.body === null) {
    res.writeHead(answer.status, headers);
    res.end();
    return;
  }
  // encoded once: its length is the header, the bytes go out as they are (a string would be
  // scanned for its length, then encoded again by the socket)
  const bytes = Buffer.from(answer.body, 'utf8');
  headers.push('content-type', JSON_TYPE, 'content-length', String(bytes.length));
  res.writeHead(answer.status, headers);
  res.end(bytes);
}

/** The same headers as `write`, set one by one: what `inject`'s response object reads back. */
function writeThroughSetHeader(res: ServerResponse, answer: OfrepAnswer, requestId: string): void {
  res.setHeader('x-request-id', requestId);
  res.setHeader('access-control-allow-origin', ALLOW_ORIGIN);
  res.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
  if (answer.emergency !== undefined) res.setHeader(EMERGENCY_HEADER, answer.emergency);
  if (answer.etag !== undefined) res.setHeader('etag', answer.etag);
  if (answer.body === null) {
    res.writeHead(answer.status);
    res.end();
    return;
  }
  res.setHeader('content-type', JSON_TYPE);
  res.setHeader('content-length', String(Buffer.byteLength(answer.body)));
  res.writeHead(answer.status);
  res.end(answer.body);
}

/**
 * Puts `listener` before the server's other request listeners (Fastify's): they see only the
 * requests it does not take.
 */
export function serveAhead(server: Server, listener: Listener): void {
  const others = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (listener(req, res)) return;
    for (const other of others) other.call(server, req, res);
  });
}
