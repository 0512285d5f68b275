import type { IncomingHttpHeaders } from 'node:http';
import type { MatchRule } from '../config/index.js';
import type { CompiledRoute, CompiledVersion } from '../table/index.js';

export interface Selection {
  version: CompiledVersion;
  reason: 'match' | 'sticky' | 'weight';
  /** Set-Cookie value to pin the client to the version it was just given. */
  setCookie?: string;
}

/** Cookie header → name/value pairs (first occurrence of a name wins, as browsers send it). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return [];
  if (Array.isArray(v)) return v;
  // Repeated headers arrive comma-joined; match any member as well as the whole value.
  return [v, ...v.split(',').map((s) => s.trim())];
}

function queryParams(url: string): URLSearchParams | undefined {
  const q = url.indexOf('?');
  return q === -1 ? undefined : new URLSearchParams(url.slice(q + 1));
}

function ruleMatches(
  rule: MatchRule,
  headers: IncomingHttpHeaders,
  cookies: () => Map<string, string>,
  query: () => URLSearchParams | undefined,
) {
  switch (rule.kind) {
    case 'header':
      return headerValues(headers, rule.name).includes(rule.value);
    case 'cookie':
      return cookies().get(rule.name) === rule.value;
    case 'query':
      return query()?.getAll(rule.name).includes(rule.value) ?? false;
  }
}

/**
 * Picks the version a request goes to: the first match rule that fits pins it; then a sticky
 * cookie naming a version that still has weight keeps it; otherwise the weighted choice.
 */
export function selectVersion(
  route: CompiledRoute,
  request: { headers: IncomingHttpHeaders; url: string },
): Selection | undefined {
  // The usual route, with no match rules and no stickiness, reads nothing of the request.
  if (route.config.match.length === 0 && !(route.config.sticky && route.stickyCookie)) {
    const name = route.balancer.pick();
    const version = name === undefined ? undefined : route.versions.get(name);
    return version ? { version, reason: 'weight' } : undefined;
  }
  let cookieCache: Map<string, string> | undefined;
  const cookies = () => {
    cookieCache ??= parseCookies(request.headers.cookie);
    return cookieCache;
  };
  let queryCache: URLSearchParams | undefined | null = null;
  const query = () => {
    if (queryCache === null) queryCache = queryParams(request.url);
    return queryCache;
  };
  for (const rule of route.config.match) {
    if (ruleMatches(rule, request.headers, cookies, query)) {
      const version = route.versions.get(rule.version);
      if (version) return { version, reason: 'match' };
    }
  }
  const sticky = route.config.sticky;
  if (sticky && route.stickyCookie) {
    const wanted = cookies().get(route.stickyCookie);
    // A version with no weight left (removed, drained, shed for health) no longer holds users.
    if (wanted !== undefined && route.balancer.weightOf(wanted) > 0) {
      const version = route.versions.get(wanted);
      if (version) return { version, reason: 'sticky' };
    }
  }
  const name = route.balancer.pick();
  const version = name === undefined ? undefined : route.versions.get(name);
  if (!version) return undefined;
  if (sticky && route.stickyCookie) {
    const path = route.prefix;
    return {
      version,
      reason: 'weight',
      setCookie: `${route.stickyCookie}=${version.name}; Path=${path}; Max-Age=${sticky.maxAgeSeconds}; HttpOnly; SameSite=Lax`,
    };
  }
  return { version, reason: 'weight' };
}
