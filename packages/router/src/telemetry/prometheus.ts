import { PROM_BUCKETS, type RouterMetrics } from './registry.js';

/** A gauge family the runtime adds (config version, weights, upstream health). */
export interface GaugeFamily {
  name: string;
  help: string;
  samples: { labels: Record<string, string>; value: number }[];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function num(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  return String(n);
}

/** Prometheus text exposition format 0.0.4, written by hand (no dependency). */
export function renderPrometheus(metrics: RouterMetrics, gauges: GaugeFamily[] = []): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const totals = metrics.totals();

  family('sluice_router_requests_total', 'counter', 'Requests answered per route and version.');
  for (const t of totals) {
    out.push(`sluice_router_requests_total${labels({ route: t.route, version: t.version })} ${t.requests}`);
  }
  family(
    'sluice_router_errors_total',
    'counter',
    'Requests per route and version that got a 5xx or no response.',
  );
  for (const t of totals) {
    out.push(`sluice_router_errors_total${labels({ route: t.route, version: t.version })} ${t.errors}`);
  }
  family('sluice_router_shadow_requests_total', 'counter', 'Mirrored copies served per route and version.');
  for (const t of totals) {
    out.push(
      `sluice_router_shadow_requests_total${labels({ route: t.route, version: t.version })} ${t.shadowRequests}`,
    );
  }
  family('sluice_router_request_duration_seconds', 'histogram', 'Upstream request latency.');
  for (const t of totals) {
    const base = { route: t.route, version: t.version };
    PROM_BUCKETS.forEach((le, i) => {
      out.push(
        `sluice_router_request_duration_seconds_bucket${labels({ ...base, le: String(le) })} ${t.buckets[i]}`,
      );
    });
    out.push(
      `sluice_router_request_duration_seconds_bucket${labels({ ...base, le: '+Inf' })} ${t.buckets[PROM_BUCKETS.length]}`,
    );
    out.push(`sluice_router_request_duration_seconds_sum${labels(base)} ${num(t.latencySum)}`);
    out.push(`sluice_router_request_duration_seconds_count${labels(base)} ${t.requests}`);
  }

  const mirrors = metrics.mirrorTotals();
  family('sluice_router_mirror_compared_total', 'counter', 'Shadow responses compared with their primary.');
  for (const m of mirrors) {
    out.push(
      `sluice_router_mirror_compared_total${labels({ route: m.route, primary: m.primary, shadow: m.shadow })} ${m.compared}`,
    );
  }
  family('sluice_router_mirror_status_mismatch_total', 'counter', 'Shadow responses whose status differed.');
  for (const m of mirrors) {
    const l = labels({ route: m.route, primary: m.primary, shadow: m.shadow });
    out.push(`sluice_router_mirror_status_mismatch_total${l} ${m.statusMismatches}`);
  }
  family(
    'sluice_router_mirror_skipped_total',
    'counter',
    'Requests that were due a mirror but were not copied.',
  );
  for (const m of mirrors) {
    out.push(
      `sluice_router_mirror_skipped_total${labels({ route: m.route, primary: m.primary, shadow: m.shadow })} ${m.skipped}`,
    );
  }

  for (const g of gauges) {
    family(g.name, 'gauge', g.help);
    for (const s of g.samples) out.push(`${g.name}${labels(s.labels)} ${num(s.value)}`);
  }
  return `${out.join('\n')}\n`;
}
