/**
 * The DORA figures on the server's `/metrics`, per environment over the last 30 days, computed
 * at scrape time from the release records (an environment is a bounded label: the operator
 * creates them). The four gauges are collected together, so they share one computation.
 */
import type { DoraReport } from '@sluice/core/delivery';
import { Gauge, type Registry } from 'prom-client';
import type { ReleasesService } from './releases.service.js';

const PERIOD_MS = 30 * 86_400_000;

export function registerDoraMetrics(registry: Registry, service: ReleasesService): void {
  let scrape: Promise<Map<string, DoraReport>> | null = null;
  const reports = () => {
    scrape ??= (async () => {
      const recent = await service.list({
        since: new Date(service.now().getTime() - 2 * PERIOD_MS).toISOString(),
        limit: 10_000,
      });
      const out = new Map<string, DoraReport>();
      for (const environment of new Set(recent.map((r) => r.environment)))
        out.set(environment, await service.dora({ environment, sinceMs: PERIOD_MS }));
      return out;
    })().finally(() => setTimeout(() => (scrape = null), 1000).unref());
    return scrape;
  };
  const gauge = (name: string, help: string, value: (r: DoraReport) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['environment'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [environment, report] of await reports()) {
          const v = value(report);
          if (v !== null) this.set({ environment }, v);
        }
      },
    });
  gauge(
    'sluice_dora_deployments_per_day',
    'Releases that succeeded per day, last 30 days',
    (r) => r.deploymentsPerDay,
  );
  gauge(
    'sluice_dora_lead_time_seconds',
    'Median lead time for changes, last 30 days',
    (r) => r.leadTimeSeconds.median,
  );
  gauge(
    'sluice_dora_change_failure_rate',
    'Change failure rate (0..1), last 30 days',
    (r) => r.changeFailureRate,
  );
  gauge(
    'sluice_dora_time_to_restore_seconds',
    'Median time to restore, last 30 days',
    (r) => r.timeToRestoreSeconds.median,
  );
}
