/**
 * What the server says about requests. Each API request is one line when it ends. Requests
 * that come by the thousand — flag evaluations (OFREP, the feature API), probes, the router's
 * traffic — are counted and summed up in one line per period, unless `SLUICE_LOG_REQUESTS` asks
 * for every one; their server errors are logged one by one all the same.
 */
import type { FastifyBaseLogger } from 'fastify';
import { redactUrl } from './redact.js';

/** The busy groups, by path prefix; anything else is an API request, logged one by one. */
const BUSY: readonly [prefix: string, group: string][] = [
  ['/ofrep/', 'ofrep'],
  ['/api/features/', 'feature-api'],
  ['/healthz', 'probes'],
  ['/readyz', 'probes'],
  ['/metrics', 'probes'],
];

export interface FinishedRequest {
  method: string;
  url: string;
  status: number;
  ms: number;
  reqId: string;
}

/** A line of the periodic summary from elsewhere (the router), or null when it has nothing to say. */
export type SummarySource = () => string | null;

export interface RequestLogOptions {
  log: FastifyBaseLogger;
  /** Log every request one by one (`SLUICE_LOG_REQUESTS=true`). */
  every: boolean;
  /** How often the summary is written; 60 s by default. */
  periodMs?: number;
}

export function busyGroup(url: string): string | null {
  for (const [prefix, group] of BUSY) if (url.startsWith(prefix)) return group;
  return null;
}

export class RequestLog {
  private readonly counts = new Map<string, Map<number, number>>();
  private readonly sources: [string, SummarySource][] = [];
  private timer: NodeJS.Timeout | null = null;
  private since = Date.now();

  constructor(private readonly options: RequestLogOptions) {}

  /** A request ended: one line now, or a count for the summary. */
  done(r: FinishedRequest): void {
    const group = this.options.every ? null : busyGroup(r.url);
    if (group === null || r.status >= 500) {
      const line = `${r.method} ${redactUrl(r.url)} ${r.status} ${Math.round(r.ms)}ms`;
      const fields = { reqId: r.reqId, status: r.status, ms: Math.round(r.ms) };
      if (r.status >= 500) this.options.log.error(fields, line);
      else this.options.log.info(fields, line);
      if (group === null) return;
    }
    this.count(group, r.status);
  }

  private count(group: string, status: number): void {
    let byStatus = this.counts.get(group);
    if (!byStatus) {
      byStatus = new Map();
      this.counts.set(group, byStatus);
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }

  /**
   * The hot path's shortcut (OFREP): counts a request of a busy group for the summary and says
   * true, or says false when it must go through `done` (every request logged, or a 5xx).
   */
  counted(group: string, status: number): boolean {
    if (this.options.every || status >= 500) return false;
    this.count(group, status);
    return true;
  }

  /** Adds a line to every summary (the embedded router's traffic). */
  addSource(name: string, source: SummarySource): void {
    this.sources.push([name, source]);
  }

  start(): void {
    if (this.timer) return;
    this.since = Date.now();
    this.timer = setInterval(() => this.flush(), this.options.periodMs ?? 60_000);
    this.timer.unref();
  }

  /** Writes the summary of what was counted since the last one, if anything was. */
  flush(): void {
    const seconds = Math.max(1, Math.round((Date.now() - this.since) / 1000));
    this.since = Date.now();
    const parts: string[] = [];
    for (const [group, byStatus] of this.counts) {
      const total = [...byStatus.values()].reduce((a, b) => a + b, 0);
      const statuses = [...byStatus.entries()]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `${status}×${n}`)
        .join(' ');
      parts.push(`${group} ${total} (${statuses})`);
    }
    this.counts.clear();
    for (const [name, source] of this.sources) {
      const line = source();
      if (line) parts.push(`${name} ${line}`);
    }
    if (parts.length) this.options.log.info(`requests in the last ${seconds}s: ${parts.join('; ')}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }
}
