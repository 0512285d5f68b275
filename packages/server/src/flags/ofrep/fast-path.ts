/**
 * The OFREP evaluation routes served straight from node:http, ahead of Fastify.
 *
 * Why bypass Fastify: an evaluation is a few microseconds of work, and Fastify's per-request
 * machinery (request/reply objects, hook runners, content-type parser, async resources, error
 * wrapping) cost more than the evaluation itself — a bare Fastify answering a small JSON POST
 * is itself slower than the 10× unleash-proxy target (bench/ofrep). So a listener placed before
 * Fastify's on the same node:http server takes the common OFREP request — `POST` to
 * `/ofrep/v1/evaluate/flags[/{key}]`, `Content-Type: application/json`, a plain URL — and
 * answers it with the same evaluator (evaluator.ts), body rules (json-body.ts), CORS headers,
 * request id, request-duration histogram and error shapes as the Fastify routes. Everything
 * else (preflights, the change stream, percent-encoded URLs, other content types, requests
 * while the server closes) falls through to Fastify untouched. The two paths are tested
 * against each other byte for byte (fast-path.test.ts).
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { FastifyBaseLogger } from 'fastify';
import type { RequestLog } from '../../http/request-log.js';
import { EMERGENCY_HEADER } from '../emergency/header.js';
import { CORS_HEADERS } from './cors.js';
import { errorAnswer, type OfrepAnswer, type OfrepCall, type OfrepEvaluator } from './evaluator.js';
import { type BodyError, isPlainJson, parseJsonBody, readBody } from './json-body.js';

export const BULK_URL = '/ofrep/v1/evaluate/flags';
export const KEY_URL = '/ofrep/v1/evaluate/flags/:key';

/** Fastify's route parameter limit (routerOptions.maxParamLength in http/app.ts). */
const MAX_KEY_LENGTH = 512;
/** The request ids Fastify accepts from `X-Request-Id` (http/app.ts); others get a new one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_TYPE = 'application/json; charset=utf-8';
const ALLOW_ORIGIN = CORS_HEADERS['access-control-allow-origin'] as string;
const EXPOSE_HEADERS = CORS_HEADERS['access-control-expose-headers'] as string;

export interface FastPathOptions {
  evaluator: OfrepEvaluator;
  bodyLimit: number;
  log: FastifyBaseLogger;
  /** True once the server is closing: Fastify then answers 503. */
  closing: () => boolean;
  /** Records a request's duration, as Fastify's onResponse hook does for its routes. */
  observe?: (route: string, status: number, seconds: number) => void;
  /** Counts the request for the log's summary (or logs it, when every request is asked for). */
  requestLog?: RequestLog | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => boolean;

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

/** A request listener answering the OFREP evaluations it recognises; false: not taken. */
export function ofrepFastPath(options: FastPathOptions): Handler {
  return (req, res) => {
    if (req.method !== 'POST' || options.closing()) return false;
    const target = evaluationTarget(req.url ?? '');
    if (target === undefined || !isPlainJson(req.headers['content-type'])) return false;
    const exchange = new Exchange(options, req, res, target.key, target.query);
    readBody(req, options.bodyLimit, (error, text) => exchange.answer(error, text));
    return true;
  };
}

/** One request on the fast path (methods, not per-request closures: this is the hot path). */
class Exchange {
  private readonly started = performance.now();
  private readonly requestId: string;

  constructor(
    private readonly options: FastPathOptions,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly key: string | null,
    private readonly query: string,
  ) {
    const given = req.headers['x-request-id'];
    this.requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  }

  answer(error: BodyError | null, text: string): void {
    const parsed = error ? { error } : parseJsonBody(text);
    if ('error' in parsed) {
      this.finish(this.failure(parsed.error));
      return;
    }
    const environment = this.query ? parseQuery(this.query).environment : undefined;
    const call: OfrepCall = {
      headers: this.req.headers,
      environment: typeof environment === 'string' ? environment : undefined,
      body: parsed.value,
    };
    const { evaluator } = this.options;
    const answering =
      this.key === null
        ? evaluator.bulk(call, (e) => this.logError(e))
        : evaluator.single(this.key, call, (e) => this.logError(e));
    answering.then(
      (answer) => this.finish(answer),
      (failure: unknown) => this.finish(this.failure(failure)),
    );
  }

  private failure(error: unknown): OfrepAnswer {
    return errorAnswer(error, this.key ?? undefined, (e) => this.logError(e));
  }

  private logError(error: unknown): void {
    this.options.log.error({ err: error, reqId: this.requestId }, 'OFREP request failed');
  }

  private finish(answer: OfrepAnswer): void {
    write(this.res, answer, this.requestId);
    const seconds = (performance.now() - this.started) / 1000;
    const { observe, requestLog } = this.options;
    observe?.(this.key === null ? BULK_URL : KEY_URL, answer.status, seconds);
    requestLog?.done({
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
  headers.push('content-type', JSON_TYPE, 'content-length', String(Buffer.byteLength(answer.body)));
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

/**
 * Puts `handler` before the server's other request listeners (Fastify's): they see only the
 * requests it does not take.
 */
export function serveAhead(server: Server, handler: Handler): void {
  const others = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (handler(req, res)) return;
    for (const listener of others) listener.call(server, req, res);
  });
}
