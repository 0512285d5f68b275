import type { CompiledRoute, CompiledVersion } from '../table/index.js';

/** Origin-form path of a request (`/a?b`); absolute-form targets are reduced to it. */
export function originForm(rawUrl: string | undefined): string | undefined {
  const url = rawUrl ?? '/';
  if (url.startsWith('/')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return undefined;
  }
}

/**
 * True when the path has `.` or `..` segments (also percent-encoded). Routing is by prefix, so
 * `/api/../admin` would reach the `/api` upstream and be read there as `/admin`; such paths are
 * refused rather than normalised (browsers and curl never send them).
 */
export function hasDotSegment(path: string): boolean {
  // neither a dot nor an escape anywhere (most paths): no dot segment
  if (!path.includes('.') && !path.includes('%')) return false;
  const q = path.indexOf('?');
  const p = (q === -1 ? path : path.slice(0, q)).replace(/%2e/gi, '.');
  return /(^|\/)\.{1,2}(\/|$)/.test(p);
}

/** Path sent to the upstream: its base path + the request path (minus the prefix if stripped). */
export function upstreamPath(route: CompiledRoute, version: CompiledVersion, path: string): string {
  let rest = path;
  if (route.config.stripPrefix && route.prefix !== '/') {
    rest = path.slice(route.prefix.length);
    if (!rest.startsWith('/')) rest = `/${rest}`;
  }
  return `${version.basePath}${rest}`;
}

export interface UpstreamTarget {
  protocol: string;
  hostname: string;
  port: number;
  /** Value of the Host header when the client's is not preserved. */
  host: string;
}

export function targetOf(version: CompiledVersion): UpstreamTarget {
  const { url } = version;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  // URL keeps IPv6 literals bracketed; the socket wants them bare.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { protocol: url.protocol, hostname, port, host: url.host };
}
