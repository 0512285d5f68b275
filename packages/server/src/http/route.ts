/**
 * A route is data: method, URL, the scope it needs, the zod schemas of its inputs and output,
 * and a handler. The same table registers Fastify routes, writes the OpenAPI document and
 * drives the test that checks every route's authorisation.
 */
import type { Requirement } from '@sluice/core/auth';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** Who is calling: the token's identity, or `anonymous` on public routes. */
export interface Principal {
  tokenId: string | null;
  subject: string;
  scopes: string[];
  roles: string[];
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  headers: Record<string, string | string[] | undefined>;
  principal: Principal;
  requestId: string;
  log: FastifyBaseLogger;
  reply: FastifyReply;
  /** Throws FORBIDDEN unless the caller's scopes grant `need` in `environment`. */
  authorize(need: Requirement, environment: string | null): void;
}

export interface RouteDefinition<P = unknown, Q = unknown, B = unknown, R = unknown> {
  method: HttpMethod;
  /** Fastify syntax: `/api/v1/environments/:name`. */
  url: string;
  scope: Requirement;
  /** The environment the request acts on, for environment-limited scopes (default: `?environment=`). */
  environment?: (input: { params: P; query: Q }) => string | null;
  summary: string;
  tag: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  response?: z.ZodType<R>;
  /** Status on success; default 200. */
  status?: number;
  /** Content type of the success response when not JSON (e.g. text/plain metrics). */
  produces?: string;
  handler(ctx: RouteContext<P, Q, B>): Promise<R> | R;
}

/** Keeps a route's types tied together; returns the definition unchanged. */
export function defineRoute<P = undefined, Q = undefined, B = undefined, R = unknown>(
  route: RouteDefinition<P, Q, B, R>,
): RouteDefinition<P, Q, B, R> {
  return route;
}

// biome-ignore lint/suspicious/noExplicitAny: a table holds routes of every input type
export type AnyRoute = RouteDefinition<any, any, any, any>;
