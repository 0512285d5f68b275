/**
 * How the server is assembled: each domain slice has one factory, `xxxSlice(context, needs)`,
 * that builds its services, hands back its routes and lifecycle hooks, and exposes to other
 * slices only the narrow read models they need. `createServer` lists the factories in order.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ServerConfig } from './config.js';
import type { SluiceApp } from './http/app.js';
import type { AnyRoute } from './http/route.js';
import type { DatabaseHandle, Executor } from './storage/index.js';

/** What every slice may use: configuration, the database, the clock and the log. */
export interface SliceContext {
  config: ServerConfig;
  database: DatabaseHandle;
  db: Executor;
  now: () => Date;
  defaultEnvironment: () => string;
  /** The server's logger, when it has one. */
  log: FastifyBaseLogger | undefined;
  /** Logs a failure with its cause. */
  logError: (message: string, error: unknown) => void;
}

/** What a slice hands the server. Every member is optional. */
export interface Slice {
  /** Routes for the `/api/v1` table: authorised by scope, problem+json, in the OpenAPI document. */
  routes?: readonly AnyRoute[];
  /** Mounts listeners that answer in their own shape beside the route table (OFREP, the feature API). */
  mount?(app: SluiceApp): void;
  /** Starts background work once every slice is built and mounted, in listing order. */
  start?(): Promise<void> | void;
  /** Releases what would keep the HTTP server from closing (long polls), before it closes. */
  drain?(): Promise<void> | void;
  /** Stops background work after the HTTP server closed, in reverse listing order. */
  stop?(): Promise<void> | void;
}

/** Starts each slice's background work, in order. */
export async function startSlices(slices: readonly Slice[]): Promise<void> {
  for (const slice of slices) await slice.start?.();
}

/** Drains every slice, closes the app, then stops the slices last-built first. */
export async function stopSlices(slices: readonly Slice[], app: SluiceApp): Promise<void> {
  for (const slice of slices) await slice.drain?.();
  await app.fastify.close();
  for (const slice of [...slices].reverse()) await slice.stop?.();
}
