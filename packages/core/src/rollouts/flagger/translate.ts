/**
 * A Flagger Canary → a Sluice plan with one canary stage (pure). What Sluice cannot act on is
 * kept and reported (`ignored`, `notes`), never refused: a peer's file applies unchanged.
 *
 * Flagger's loop: every `interval` run the checks; all pass → weight += stepWeight (or the next
 * of `stepWeights`) until `maxWeight`, then promote; a failed check counts, and `threshold`
 * failed checks roll back. Sluice's canary stage walks the same weights at the same interval,
 * and `threshold` becomes the analysis' failure limit (threshold − 1 failures are tolerated).
 * Flagger counts a check without data as failed; Sluice calls it inconclusive and measures again
 * until the step's patience runs out, then fails the stage (never a pass on missing data).
 * A `rollout` webhook is a check too (`webhook:<name>`, 1 when it answers 2xx). The other types
 * go to the stage's `webhooks`, called at Flagger's points with Flagger's meaning: confirm-rollout
 * before the deploy (waits), pre-rollout before the first traffic (failures count toward the
 * threshold), confirm-traffic-increase and confirm-promotion (hold the weight), rollback each
 * interval (2xx rolls back), post-rollout after promotion or rollback, event for each notice.
 * A webhook with `metadata.cmd` is a load test Sluice runs itself (load-test.ts).
 */
import type { z } from 'zod';
import { canaryWeight } from '../plan/canary-weight.js';
import type { PlanInput, webhookCheckSchema } from '../plan/plan-schema.js';
import type { stageWebhookSchema } from '../plan/strategy-schemas.js';
import { formatDuration, parseDuration } from '../text.js';
import type { FlaggerCanarySpec } from './canary-schema.js';
import { type LoadTest, readLoadTest } from './load-test.js';

export const CANARY_STAGE = 'canary';
/** Flagger's default webhook timeout, also the most Sluice waits for one. */
export const WEBHOOK_TIMEOUT_MS = 60_000;

/** The metric a `rollout` webhook's check is recorded under. */
export function webhookMetric(webhook: string): string {
  return `webhook:${webhook}`;
}

type WebhookCheckInput = z.input<typeof webhookCheckSchema>;
type StageWebhookInput = z.input<typeof stageWebhookSchema>;

export interface CanaryTranslation {
  plan: PlanInput;
  /** Fields accepted and not acted on (ports, gateways, mesh settings …), by path. */
  ignored: string[];
  /** Where Sluice's reading differs from Flagger's, in words. */
  notes: string[];
  /** Load-test webhooks Sluice will run with its own generator. */
  loadTests: LoadTest[];
  /** Load-test webhooks Sluice will not run, with why. */
  refused: string[];
}

/** Fields of each part Sluice acts on; every other field present is listed as ignored. */
const USED = {
  spec: ['namespace', 'targetRef', 'service', 'analysis', 'progressDeadlineSeconds'],
  service: ['hosts'],
  analysis: [
    'interval',
    'threshold',
    'maxWeight',
    'stepWeight',
    'stepWeights',
    'iterations',
    'metrics',
    'webhooks',
  ],
  metric: ['name', 'interval', 'thresholdRange', 'threshold', 'templateRef'],
} as const;

function extra(obj: Record<string, unknown>, used: readonly string[], at: string): string[] {
  return Object.keys(obj)
    .filter((k) => !used.includes(k))
    .map((k) => `${at}${k}`);
}

/** `version`: what the run delivers (given at start; any placeholder when only checking). */
export function translateCanary(name: string, spec: FlaggerCanarySpec, version: string): CanaryTranslation {
  const a = spec.analysis;
  const ignored = [
    ...extra(spec, USED.spec, 'spec.'),
    ...extra(spec.service, USED.service, 'spec.service.'),
    ...extra(a, USED.analysis, 'spec.analysis.'),
  ];
  const notes: string[] = [];
  const intervalMs = parseDuration(a.interval);
  const maxWeight = a.maxWeight ?? 100;

  // the weights walked: stepWeights as listed, else stepWeight up to maxWeight; iterations
  // without either is Flagger's blue/green, which Sluice holds at one weight (no canary-only service)
  let weights: Record<string, unknown>;
  let monitorMs = 0;
  if (a.stepWeights) {
    const last = a.stepWeights[a.stepWeights.length - 1] as number;
    weights = { weights: a.stepWeights, initial_weight: a.stepWeights[0], max_weight: last };
    if (a.maxWeight !== undefined && a.maxWeight !== last)
      notes.push(
        `analysis.maxWeight ${a.maxWeight} is not used: with stepWeights the last step (${last}%) is the top`,
      );
  } else if (a.stepWeight !== undefined) {
    weights = {
      initial_weight: Math.min(a.stepWeight, maxWeight),
      increment: a.stepWeight,
      max_weight: maxWeight,
    };
  } else {
    const hold = a.maxWeight ?? 10;
    weights = { initial_weight: hold, increment: 1, max_weight: hold };
    monitorMs = (a.iterations ?? 1) * intervalMs;
    notes.push(
      `no stepWeight: Flagger's blue/green sends the canary only test traffic; Sluice has no canary-only service and holds the canary at ${hold}% of the route for ${a.iterations ?? 1} check(s), then promotes`,
    );
  }
  if (a.iterations !== undefined && (a.stepWeight !== undefined || a.stepWeights))
    notes.push('analysis.iterations is not used: with stepWeight(s) the weights set the number of checks');

  const thresholds: Record<string, { min?: number; max?: number; min_samples?: number }> = {};
  const templates: Record<string, string | { webhook: WebhookCheckInput }> = {};
  a.metrics.forEach((m, i) => {
    const at = `spec.analysis.metrics[${i}]`;
    ignored.push(...extra(m, USED.metric, `${at}.`));
    const range: { min?: number; max?: number } = {};
    if (m.thresholdRange?.min !== undefined) range.min = m.thresholdRange.min;
    if (m.thresholdRange?.max !== undefined) range.max = m.thresholdRange.max;
    if (m.threshold !== undefined && range.max === undefined) range.max = m.threshold;
    thresholds[m.name] = range;
    if (m.templateRef) templates[m.name] = m.templateRef.name;
    if (m.templateRef?.namespace !== undefined) ignored.push(`${at}.templateRef.namespace`);
    if (m.interval !== undefined && parseDuration(m.interval) !== intervalMs)
      notes.push(
        `${at}.interval ${m.interval}: Sluice measures every metric over the analysis interval (${formatDuration(intervalMs)}, at least 30 s when time-scaled)`,
      );
  });

  const loadTests: LoadTest[] = [];
  const refused: string[] = [];
  const stageWebhooks: StageWebhookInput[] = [];
  const hosts = spec.service.hosts ?? [];
  a.webhooks.forEach((w, i) => {
    const at = `spec.analysis.webhooks[${i}]`;
    const cmd = w.metadata?.cmd;
    if (cmd !== undefined) {
      const reading = readLoadTest(w.name, cmd, hosts);
      if (reading.ok) {
        loadTests.push(reading.test);
        notes.push(
          `${at} "${w.name}": ${w.url} is not called; Sluice runs its load (${reading.test.rps} req/s to ${reading.test.host} for ${formatDuration(reading.test.durationMs)} a round, repeated while the run is live) through the router`,
        );
      } else refused.push(`${at}: ${reading.why}`);
      return;
    }
    const timeoutMs = w.timeout !== undefined ? parseDuration(w.timeout) : WEBHOOK_TIMEOUT_MS;
    if (timeoutMs > WEBHOOK_TIMEOUT_MS)
      notes.push(`${at}.timeout ${w.timeout}: Sluice waits at most ${formatDuration(WEBHOOK_TIMEOUT_MS)}`);
    const call: WebhookCheckInput = {
      canary: name,
      ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}),
      url: w.url,
      timeout_seconds: Math.max(1, Math.min(timeoutMs, WEBHOOK_TIMEOUT_MS)) / 1000,
      metadata: w.metadata ?? {},
    };
    if (w.type === 'rollout') {
      // a check like a metric: one call reads 1 (2xx) or 0, and 0 fails the step
      const metric = webhookMetric(w.name);
      thresholds[metric] = { min: 1, min_samples: 1 };
      templates[metric] = { webhook: call };
      return;
    }
    // called by the canary stage at Flagger's point for its type (executors/canary.ts)
    stageWebhooks.push({ ...call, type: w.type, name: w.name });
  });

  const config: Record<string, unknown> = {
    app_name: spec.targetRef.name,
    ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}),
    ...weights,
    interval_seconds: intervalMs / 1000,
    monitor_duration_minutes: monitorMs / 60_000,
    thresholds,
    ...(stageWebhooks.length ? { webhooks: stageWebhooks } : {}),
  };
  const progressDeadline = (spec as { progressDeadlineSeconds?: unknown }).progressDeadlineSeconds;
  if (typeof progressDeadline === 'number' && progressDeadline > 0)
    config.ready_timeout_seconds = progressDeadline;

  // Flagger has no deadline for the whole analysis: give the run twice what its steps need, at least a day
  const walk = weights as {
    initial_weight: number;
    increment?: number;
    max_weight: number;
    weights?: number[];
  };
  let steps = 1;
  while (steps < 1000 && canaryWeight({ increment: 1, ...walk }, steps - 1) < walk.max_weight) steps++;
  const leastMs = steps * intervalMs + Math.max(0, monitorMs - intervalMs);
  const plan: PlanInput = {
    name,
    version,
    max_duration_hours: Math.max(24, Math.ceil((2 * leastMs) / 3_600_000)),
    description: `Flagger Canary ${spec.namespace ? `${spec.namespace}/` : ''}${name}`,
    stages: [
      {
        name: CANARY_STAGE,
        strategy: 'canary',
        config: config as never,
        // too little data waits for more until the step's patience runs out, then fails
        analysis: { failure_limit: a.threshold - 1, on_inconclusive: 'fail' },
      },
    ],
    ...(Object.keys(templates).length ? { metric_templates: templates } : {}),
  };
  return { plan, ignored, notes, loadTests, refused };
}
