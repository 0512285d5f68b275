import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Internal, type SluiceError } from '@sluice/core/errors';
import { findRoute, type RoutingTable } from '../table/index.js';
import {
  BadRequest,
  HeadersTooLarge,
  NoRoute,
  NoVersion,
  RequestTimeout,
  rawProblem,
  sendProblem,
} from './errors.js';
import { type ForwardDeps, forward } from './forward.js';
import { ambiguousFraming } from './headers.js';
import type { Mirror } from './mirror.js';
import { selectVersion } from './select.js';
import { hasDotSegment, originForm } from './target.js';
import { forwardUpgrade } from './upgrade.js';

export interface ProxyDeps extends ForwardDeps {
  /** The current table; read once per request, so a swap never splits a request. */
  table: () => RoutingTable;
  mirror: Mirror;
  /** Upgraded (spliced) client sockets, so close() can end them: the HTTP server no longer tracks them. */
  tunnels: Set<Duplex>;
}

function describe(req: IncomingMessage, path: string): string {
  return `${req.method} ${req.headers.host ?? '(no host)'}${path}`;
}

/** The request's origin-form path, or the 400 it gets (ambiguous framing, odd target, dot segments). */
function checkTarget(req: IncomingMessage): string | SluiceError {
  const framing = ambiguousFraming(req);
  if (framing !== undefined) return BadRequest(framing);
  // RFC 9112 §3.2: more than one Host field line is a 400 (node keeps only the first).
  if (hostFieldCount(req.rawHeaders) > 1) return BadRequest('the request has more than one Host header');
  const path = originForm(req.url);
  if (path === undefined) return BadRequest(`unsupported request target ${req.url}`);
  if (hasDotSegment(path)) return BadRequest('the path has "." or ".." segments');
  return path;
}

function hostFieldCount(raw: string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    // the usual spellings first: lower-casing makes a string each time
    if (name === 'Host' || name === 'host' || (name.length === 4 && name.toLowerCase() === 'host')) n++;
  }
  return n;
}

/** No request may end the process: a throw becomes a 500 problem (or a reset once the answer began). */
function guarded(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      if (res.headersSent) res.destroy();
      else sendProblem(res, Internal(`the router failed on this request: ${(err as Error).message}`));
    }
  };
}

export function createRequestHandler(deps: ProxyDeps) {
  return guarded((req: IncomingMessage, res: ServerResponse): void => {
    const target = checkTarget(req);
    if (typeof target !== 'string') {
      res.shouldKeepAlive = false;
      sendProblem(res, target, { connection: 'close' });
      req.socket.destroySoon();
      return;
    }
    const path = target;
    const table = deps.table();
    const route = findRoute(table, req.headers.host, path);
    if (!route) {
      req.resume();
      sendProblem(res, NoRoute(`no route for ${describe(req, path)}`));
      return;
    }
    const selection = selectVersion(route, { headers: req.headers, url: path });
    if (!selection) {
      req.resume();
      sendProblem(res, NoVersion(`route ${route.name} has no version with weight`));
      return;
    }
    const mirrorVersion = route.config.mirror?.version;
    let primaryDone: ((r: { status: number; seconds: number }) => void) | undefined;
    if (
      mirrorVersion !== undefined &&
      mirrorVersion !== selection.version.name &&
      route.mirrorSampler?.next()
    ) {
      primaryDone = deps.mirror.begin(route, selection.version.name, path, req);
    }
    forward(deps, route, selection, path, req, res, primaryDone);
  });
}

export function createUpgradeHandler(deps: ProxyDeps) {
  const handle = upgradeRoutes(deps);
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      handle(req, socket, head);
    } catch {
      socket.destroy();
    }
  };
}

function upgradeRoutes(deps: ProxyDeps) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = checkTarget(req);
    if (typeof path !== 'string') {
      socket.end(rawProblem(path));
      return;
    }
    const route = findRoute(deps.table(), req.headers.host, path);
    if (!route) {
      socket.end(rawProblem(NoRoute(`no route for ${describe(req, path)}`)));
      return;
    }
    const selection = selectVersion(route, { headers: req.headers, url: path });
    if (!selection) {
      socket.end(rawProblem(NoVersion(`route ${route.name} has no version with weight`)));
      return;
    }
    deps.tunnels.add(socket);
    socket.on('close', () => deps.tunnels.delete(socket));
    forwardUpgrade(deps, route, selection, path, req, socket, head);
  };
}

/** Parser errors (smuggling attempts, oversized headers, garbage) get a problem document. */
export function handleClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const error =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? HeadersTooLarge('the request headers exceed the size limit')
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? RequestTimeout('the request headers and body did not arrive in time')
        : BadRequest(`the request could not be parsed (${err.code ?? 'parse error'})`);
  socket.end(rawProblem(error));
}
