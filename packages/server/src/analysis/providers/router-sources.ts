/**
 * Where the builtin provider's figures come from: the embedded router's in-process windows and
 * each standalone router that heartbeated recently (`GET {adminUrl}/versions`, bounded timeout).
 * A router that does not answer becomes a failure entry, never an exception.
 */
import { z } from 'zod';
import { messageOf } from './readings.js';

/** One router's figures for a route's version over the window. */
export interface RouterFigures {
  source: string;
  requests: number;
  errors: number;
  /** Seconds; null without requests. */
  p95: number | null;
  /** Seconds; null without requests (or from a router that does not report it). */
  p99: number | null;
  /** As a shadow: mirrored requests compared, and how many answered with another status. */
  compared: number;
  mismatches: number;
}

export interface RouterFailure {
  source: string;
  reason: string;
}

/** The part of the embedded router the provider reads (`Router['metrics']` fits). */
export interface WindowReader {
  readonly retentionMs: number;
  window(
    route: string,
    version: string,
    windowMs: number,
    now: number,
  ): { requests: number; errors: number; p95: number | null; p99?: number | null };
  mirrorWindow?(
    route: string,
    version: string,
    windowMs: number,
    now: number,
  ): { compared: number; mismatches: number };
}

/** A standalone router as its heartbeat describes it (`RouterConfigService.routers()` fits). */
export interface StandaloneRouterInfo {
  routerId: string;
  adminUrl: string | null;
  lastSeen: string;
}

// Only the fields read here; a newer router may add more (hence not strict).
const versionsReportSchema = z.object({
  versions: z.array(
    z.object({
      route: z.string(),
      version: z.string(),
      window: z.object({
        requests: z.number().nonnegative(),
        errors: z.number().nonnegative(),
        p95: z.number().nonnegative().nullable(),
        p99: z.number().nonnegative().nullable().optional(),
      }),
      mirrorWindow: z
        .object({ compared: z.number().nonnegative(), mismatches: z.number().nonnegative() })
        .optional(),
    }),
  ),
});

export interface CollectOptions {
  embedded: WindowReader | null;
  standalone: readonly StandaloneRouterInfo[];
  route: string;
  version: string;
  windowMs: number;
  now: Date;
  /** Heartbeats older than this are routers that went away: not asked. */
  freshMs: number;
  timeoutMs: number;
  fetch: typeof fetch;
}

export interface Collected {
  figures: RouterFigures[];
  failures: RouterFailure[];
  /** Standalone routers skipped for a stale heartbeat or no admin URL. */
  skipped: number;
}

export async function collectRouterFigures(options: CollectOptions): Promise<Collected> {
  const { route, version, windowMs, now } = options;
  const figures: RouterFigures[] = [];
  const failures: RouterFailure[] = [];
  if (options.embedded) {
    const w = options.embedded.window(route, version, windowMs, now.getTime());
    const m = options.embedded.mirrorWindow?.(route, version, windowMs, now.getTime());
    figures.push({
      source: 'embedded',
      requests: w.requests,
      errors: w.errors,
      p95: w.p95,
      p99: w.p99 ?? null,
      compared: m?.compared ?? 0,
      mismatches: m?.mismatches ?? 0,
    });
  }
  const fresh = options.standalone.filter(
    (r) => r.adminUrl !== null && now.getTime() - Date.parse(r.lastSeen) <= options.freshMs,
  );
  const answers = await Promise.all(
    fresh.map(async (r) => {
      const source = `router ${r.routerId}`;
      try {
        return { ok: true as const, figures: await readStandalone(r.adminUrl as string, options, source) };
      } catch (error) {
        return { ok: false as const, failure: { source, reason: `${r.adminUrl}: ${messageOf(error)}` } };
      }
    }),
  );
  for (const a of answers) {
    if (a.ok) figures.push(a.figures);
    else failures.push(a.failure);
  }
  return { figures, failures, skipped: options.standalone.length - fresh.length };
}

async function readStandalone(
  adminUrl: string,
  options: CollectOptions,
  source: string,
): Promise<RouterFigures> {
  const url = new URL('versions', adminUrl.endsWith('/') ? adminUrl : `${adminUrl}/`);
  url.searchParams.set('windowMs', String(options.windowMs));
  const res = await options.fetch(url, { signal: AbortSignal.timeout(options.timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new Error(`answered ${res.status}: ${text.slice(0, 200)}`);
  const parsed = versionsReportSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`unexpected /versions document: ${parsed.error.issues[0]?.message}`);
  const entry = parsed.data.versions.find((v) => v.route === options.route && v.version === options.version);
  // a router without the route or version has served none of its requests
  if (!entry) return { source, requests: 0, errors: 0, p95: null, p99: null, compared: 0, mismatches: 0 };
  const w = entry.window;
  const m = entry.mirrorWindow ?? { compared: 0, mismatches: 0 };
  return { source, requests: w.requests, errors: w.errors, p95: w.p95, p99: w.p99 ?? null, ...m };
}

/**
 * Sums requests and errors. Percentiles cannot be merged from percentiles, and routers only
 * report those, so the combined p95 is the request-weighted mean of each router's p95: exact
 * with one router, an estimate with several (it always lies between their min and max).
 */
export function combine(figures: readonly RouterFigures[]): {
  requests: number;
  errors: number;
  p95: number | null;
  p99: number | null;
  compared: number;
  mismatches: number;
} {
  let requests = 0;
  let errors = 0;
  let compared = 0;
  let mismatches = 0;
  for (const f of figures) {
    requests += f.requests;
    errors += f.errors;
    compared += f.compared;
    mismatches += f.mismatches;
  }
  return {
    requests,
    errors,
    p95: weightedMean(figures, 'p95'),
    p99: weightedMean(figures, 'p99'),
    compared,
    mismatches,
  };
}

function weightedMean(figures: readonly RouterFigures[], key: 'p95' | 'p99'): number | null {
  let weighted = 0;
  let weight = 0;
  for (const f of figures) {
    const q = f[key];
    if (q !== null && f.requests > 0) {
      weighted += q * f.requests;
      weight += f.requests;
    }
  }
  return weight === 0 ? null : weighted / weight;
}
