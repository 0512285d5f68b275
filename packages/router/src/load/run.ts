import http from 'node:http';
import https from 'node:https';
import { CookieJar } from './cookies.js';
import { LatencyHistogram, type LatencySummary } from './histogram.js';
import { localhostLookup } from './localhost.js';
import { type LoadOptionsInput, parseLoadOptions } from './schema.js';

export interface LoadProgress {
  elapsedMs: number;
  scheduled: number;
  sent: number;
  completed: number;
  ok: number;
  failed: number;
  dropped: number;
  inFlight: number;
}

export interface LoadSummary {
  url: string;
  /** Wall time from the first scheduled request to the last completion. */
  elapsedMs: number;
  /** Requests the schedule called for (rps × duration, or fewer when aborted). */
  scheduled: number;
  sent: number;
  /** 2xx and 3xx answers. */
  ok: number;
  /** 4xx/5xx answers, connection errors and timeouts. */
  failed: number;
  /** Requests due while `concurrency` requests (or every user) were busy: skipped, not queued. */
  dropped: number;
  byStatus: Record<string, number>;
  /** From the `Sluice-Version` (router) or `Sluice-Demo-Version` (demo app) header; `unknown` without. */
  byVersion: Record<string, number>;
  /** Connection-level failures by error code (`ECONNREFUSED`, `TIMEOUT`, ...). */
  errors: Record<string, number>;
  /** Why, per failing status: the first answer's problem detail (or the start of its body). */
  reasons: Record<string, { code?: string; detail: string }>;
  /** Simulated users that were answered by more than one version (0 when routing is sticky). */
  usersSwitchedVersion: number;
  /** Users who came, newcomers included. */
  users: number;
  latency: LatencySummary;
  achievedRps: number;
  aborted: boolean;
}

export interface RunLoadArgs extends LoadOptionsInput {
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
}

interface Outcome {
  status?: number;
  version?: string;
  error?: string;
  body?: string;
}

/** How much of a failed answer's body is kept to say why it failed. */
const REASON_BYTES = 2048;

/** A problem+json `{code, detail}`, or the body's first line. */
function reasonOf(body: string): { code?: string; detail: string } {
  try {
    const parsed = JSON.parse(body) as { code?: unknown; detail?: unknown; title?: unknown };
    const detail =
      typeof parsed.detail === 'string'
        ? parsed.detail
        : typeof parsed.title === 'string'
          ? parsed.title
          : '';
    if (detail) return typeof parsed.code === 'string' ? { code: parsed.code, detail } : { detail };
  } catch {
    // not JSON
  }
  return { detail: body.split('\n')[0]?.trim().slice(0, 200) || '(empty body)' };
}

const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};

/**
 * Sends `rps` requests per second to a loopback URL for `durationMs`, open loop: request i is
 * due at start + i/rps whatever happened to earlier ones, so a slow target shows up as latency
 * and drops instead of silently lowering the rate.
 */
export async function runLoad(args: RunLoadArgs): Promise<LoadSummary> {
  const { onProgress, signal, ...input } = args;
  const opts = parseLoadOptions(input);
  const target = new URL(opts.url);
  const client = target.protocol === 'https:' ? https : http;
  const agent = new client.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  let arrivals = 0;
  const newcomer = () => ({
    id: `load-user-${arrivals++}`,
    jar: new CookieJar(),
    version: undefined as string | undefined,
    switched: false,
    sent: 0,
  });
  const users = Array.from({ length: opts.users }, newcomer);
  let switchedUsers = 0;

  const total = Math.ceil((opts.rps * opts.durationMs) / 1000);
  const latency = new LatencyHistogram();
  const byStatus: Record<string, number> = {};
  const byVersion: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const reasons: LoadSummary['reasons'] = {};
  let scheduled = 0;
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let dropped = 0;
  let inFlight = 0;
  let aborted = signal?.aborted ?? false;
  const pending = new Set<Promise<void>>();

  const sendOne = (user: (typeof users)[number]): Promise<Outcome> =>
    new Promise((resolve) => {
      const headers: Record<string, string> = { ...opts.headers, 'x-user-id': user.id };
      const cookie = user.jar.header();
      if (cookie !== undefined) headers.cookie = cookie;
      const req = client.request(target, {
        method: opts.method,
        agent,
        headers,
        timeout: opts.timeoutMs,
        lookup: localhostLookup as never,
      });
      req.on('response', (res) => {
        user.jar.store(res.headers['set-cookie']);
        const v = res.headers['sluice-version'] ?? res.headers['sluice-demo-version'];
        const status = res.statusCode ?? 0;
        // a failure's first answer per status says why; everything else is drained unread
        const keep = status >= 400 && !(String(status) in reasons);
        let body = '';
        if (keep)
          res.on('data', (d: Buffer) => {
            if (body.length < REASON_BYTES) body += d.toString('utf8');
          });
        else res.resume();
        res.on('end', () =>
          resolve({
            status,
            version: typeof v === 'string' ? v : 'unknown',
            ...(keep ? { body } : {}),
          }),
        );
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? 'RESPONSE_ERROR' }));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? 'REQUEST_ERROR' }));
      req.end();
    });

  // A user has one request in flight at a time, like a browser, so the cookie a router sets on
  // the first answer is on the next request; busy users are not picked.
  const idle = [...users];
  const fire = () => {
    const pick = Math.floor(Math.random() * idle.length);
    const user = idle[pick]!;
    idle[pick] = idle[idle.length - 1]!;
    idle.pop();
    sent++;
    inFlight++;
    user.sent++;
    const t0 = performance.now();
    const p = sendOne(user).then((o) => {
      inFlight--;
      // a user whose session is over leaves; a newcomer takes the seat
      if (user.sent >= opts.sessionRequests) {
        if (user.switched) switchedUsers++;
        idle.push(newcomer());
      } else idle.push(user);
      latency.record(performance.now() - t0);
      if (o.status !== undefined) {
        bump(byStatus, String(o.status));
        if (o.body !== undefined && !(String(o.status) in reasons))
          reasons[String(o.status)] = reasonOf(o.body);
        if (o.status < 400) ok++;
        else failed++;
        const version = o.version ?? 'unknown';
        bump(byVersion, version);
        if (user.version !== undefined && user.version !== version) user.switched = true;
        user.version = version;
      } else {
        failed++;
        bump(errors, o.error ?? 'UNKNOWN');
      }
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const start = performance.now();
  const progress = (): LoadProgress => ({
    elapsedMs: Math.round(performance.now() - start),
    scheduled,
    sent,
    completed: ok + failed,
    ok,
    failed,
    dropped,
    inFlight,
  });
  const progressTimer = onProgress
    ? setInterval(() => onProgress(progress()), opts.progressIntervalMs)
    : null;

  let wake: (() => void) | undefined;
  const onAbort = () => {
    aborted = true;
    wake?.();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    while (!aborted && scheduled < total) {
      const elapsed = performance.now() - start;
      const due = Math.min(total, Math.floor((elapsed * opts.rps) / 1000) + 1);
      for (; scheduled < due; scheduled++) {
        if (inFlight >= opts.concurrency || idle.length === 0) dropped++;
        else fire();
      }
      if (scheduled >= total) break;
      // Sleep until the next request is due (timers are coarse, so catch up in batches above).
      const nextAt = (scheduled * 1000) / opts.rps;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, Math.max(1, nextAt - (performance.now() - start)));
      });
    }
    while (pending.size > 0) await Promise.all([...pending]);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (progressTimer) clearInterval(progressTimer);
    agent.destroy();
  }

  const elapsedMs = performance.now() - start;
  onProgress?.(progress());
  return {
    url: opts.url,
    elapsedMs: Math.round(elapsedMs),
    scheduled,
    sent,
    ok,
    failed,
    dropped,
    byStatus,
    byVersion,
    errors,
    reasons,
    usersSwitchedVersion:
      switchedUsers + idle.filter((u) => u.switched && u.sent < opts.sessionRequests).length,
    users: arrivals,
    latency: latency.summary(),
    achievedRps: elapsedMs > 0 ? Math.round(((ok + failed) * 1000 * 10) / elapsedMs) / 10 : 0,
    aborted,
  };
}
