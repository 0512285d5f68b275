import {
  normalizePrefix,
  type RouteConfig,
  type RouterSnapshot,
  type VersionConfig,
} from '../config/index.js';
import { RouteBalancer, ShareSampler } from './balancer.js';

/**
 * The compiled routing table. It is built whole from a validated snapshot and never edited:
 * applying a new configuration swaps one reference, so a request sees the old table or the new
 * one, never a mix. (Balancer scores and samplers are the only moving parts, per route.)
 */

export interface CompiledVersion {
  readonly name: string;
  readonly url: URL;
  /** `protocol//host:port`. */
  readonly origin: string;
  /** Key of its connection pool: the origin, plus the TLS settings when it has any. */
  readonly poolKey: string;
  /** node TLS options for an https upstream with its own CA or server name. */
  readonly tls: { ca?: string; servername?: string } | undefined;
  /** Path of the upstream URL without trailing slash ('' for the root). */
  readonly basePath: string;
}

export interface CompiledRoute {
  readonly name: string;
  readonly host: string | undefined;
  readonly prefix: string;
  readonly config: RouteConfig;
  readonly versions: ReadonlyMap<string, CompiledVersion>;
  readonly balancer: RouteBalancer;
  readonly mirrorSampler: ShareSampler | undefined;
  readonly stickyCookie: string | undefined;
}

export interface RoutingTable {
  readonly version: number;
  readonly snapshot: RouterSnapshot;
  /** Most specific first: host-bound before any-host, then longer prefixes first. */
  readonly routes: readonly CompiledRoute[];
  readonly byName: ReadonlyMap<string, CompiledRoute>;
}

function compileVersion(config: VersionConfig): CompiledVersion {
  const parsed = new URL(config.url);
  const origin = `${parsed.protocol}//${parsed.host}`;
  const tls = config.tls
    ? {
        ...(config.tls.ca === undefined ? {} : { ca: config.tls.ca }),
        ...(config.tls.serverName === undefined ? {} : { servername: config.tls.serverName }),
      }
    : undefined;
  return {
    name: config.name,
    url: parsed,
    origin,
    poolKey: tls ? `${origin}#${JSON.stringify(tls)}` : origin,
    tls,
    basePath: parsed.pathname.replace(/\/+$/, ''),
  };
}

function compileRoute(config: RouteConfig): CompiledRoute {
  return {
    name: config.name,
    host: config.host,
    prefix: normalizePrefix(config.pathPrefix),
    config,
    versions: new Map(config.versions.map((v) => [v.name, compileVersion(v)])),
    balancer: new RouteBalancer(config.weights),
    mirrorSampler:
      config.mirror && config.mirror.percent > 0 ? new ShareSampler(config.mirror.percent) : undefined,
    stickyCookie: config.sticky ? (config.sticky.cookie ?? `sluice_${config.name}`) : undefined,
  };
}

export function compileTable(snapshot: RouterSnapshot): RoutingTable {
  const routes = snapshot.routes.map(compileRoute).sort((a, b) => {
    if ((a.host === undefined) !== (b.host === undefined)) return a.host === undefined ? 1 : -1;
    return b.prefix.length - a.prefix.length;
  });
  return Object.freeze({
    version: snapshot.version,
    snapshot,
    routes: Object.freeze(routes),
    byName: new Map(routes.map((r) => [r.name, r])),
  });
}

export const EMPTY_TABLE: RoutingTable = compileTable({ version: 0, routes: [] });

/** Segment-wise prefix match: `/api` matches `/api`, `/api/x`, `/api?q`, not `/apix`. */
export function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  if (!path.startsWith(prefix)) return false;
  const next = path.charCodeAt(prefix.length);
  return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */;
}

/** Host header → bare lower-case host name (port and IPv6 brackets handled). */
export function hostName(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

export function findRoute(
  table: RoutingTable,
  hostHeader: string | undefined,
  url: string,
): CompiledRoute | undefined {
  // only read when a route is bound to a host (most tables have none)
  let host: string | undefined;
  for (const route of table.routes) {
    if (route.host !== undefined) {
      host ??= hostName(hostHeader);
      if (route.host !== host) continue;
    }
    if (prefixMatches(route.prefix, url)) return route;
  }
  return undefined;
}
