/**
 * Service commands: `deploy` (ensure a version runs and is ready), `health_check`,
 * `smoke_test`, `set_traffic` (weights by role, mirroring), `retire`, `measure`, and
 * `call_webhook` (a canary stage's Flagger webhook). Each is
 * idempotent by op id: providers key their side effects on it, and traffic changes are
 * absolute (setting 20% twice is 20%).
 */
import type { CommandOf, WebhookCheck } from '@sluice/core/rollouts';
import type { MetricRegistry } from '../../analysis/registry.js';
import { isWebhookChoice } from '../../analysis/templates/resolve.js';
import { probeHealth } from '../../deploy/health.js';
import { runSmokeTests } from '../../deploy/smoke.js';
import type { CommandHandlers, CommandOutcome, RunContext } from '../command-handler.js';
import { callStageWebhook, callWebhook } from '../webhooks.js';
import type { ResolvedService, ServiceWorld } from './service-world.js';

const failure = (error: unknown): CommandOutcome => ({
  ok: false,
  error: (error as Error).message ?? String(error),
});

function versionOf(
  service: ResolvedService,
  role: 'canary' | 'stable' | 'shadow' | undefined,
): string | null {
  return role === 'stable' ? service.stable : service.canary;
}

async function upstreamOf(service: ResolvedService, version: string): Promise<string> {
  const d = await service.deploy.status(version);
  const url = d?.upstreams[0];
  if (!url) throw new Error(`version ${version} of ${service.name} is not running`);
  return url;
}

/**
 * The stable version's upstream, starting it first when the Service declares a stable version
 * that is not running (a first rollout on a fresh machine): traffic never goes to nothing.
 */
async function ensureRunning(service: ResolvedService, version: string, opId: string): Promise<string> {
  const current = await service.deploy.status(version);
  if (current && current.state !== 'failed' && current.state !== 'retired' && current.upstreams[0])
    return current.upstreams[0];
  await service.deploy.deploy({ opId, version });
  const ready = await service.deploy.waitReady(version);
  const url = ready.upstreams[0];
  if (!url) throw new Error(`version ${version} of ${service.name} started without an address`);
  return url;
}

export function serviceHandlers(
  world: ServiceWorld,
  metrics: MetricRegistry,
  now: () => Date,
): CommandHandlers {
  return {
    async deploy(c: CommandOf<'deploy'>, run) {
      try {
        const s = await world.resolve(run, c.app);
        const version = c.role === 'stable' ? s.stable : s.canary;
        if (!version) return { ok: true, data: { skipped: `${c.app} has no stable version to run` } };
        await s.deploy.deploy({
          opId: c.opId,
          version,
          ...(c.image && c.role === 'canary' ? { image: c.image } : {}),
        });
        const ready = await s.deploy.waitReady(version, { timeoutMs: c.readyTimeoutSeconds * 1000 });
        return { ok: true, data: { version, upstreams: ready.upstreams } };
      } catch (error) {
        return failure(error);
      }
    },
    async health_check(c: CommandOf<'health_check'>, run) {
      try {
        const s = await world.resolve(run, c.app);
        const version = c.version === 'stable' ? s.stable : s.canary;
        if (!version) return { ok: false, error: `${c.app} has no ${c.version} version` };
        const upstream = await upstreamOf(s, version);
        const healthy = await probeHealth(upstream, {
          ...s.spec.healthCheck,
          endpoint: c.endpoint,
          timeout_seconds: c.timeoutSeconds,
        });
        return healthy
          ? { ok: true, data: { version, upstream } }
          : { ok: false, error: `${c.app} ${version} failed its health check at ${c.endpoint}` };
      } catch (error) {
        return failure(error);
      }
    },
    async smoke_test(c: CommandOf<'smoke_test'>, run) {
      try {
        const s = await world.resolve(run, c.app);
        const upstream = await upstreamOf(s, s.canary);
        const tests = c.tests.length ? c.tests : s.spec.smokeTests;
        const report = await runSmokeTests(upstream, tests);
        const failed = report.results
          .filter((r) => !r.passed)
          .map((r) => `${r.endpoint}: ${r.error ?? `got ${r.status}`}`);
        return report.passed
          ? { ok: true, data: { results: report.results } }
          : {
              ok: false,
              error: `smoke tests failed: ${failed.join('; ')}`,
              data: { results: report.results },
            };
      } catch (error) {
        return failure(error);
      }
    },
    async set_traffic(c: CommandOf<'set_traffic'>, run) {
      try {
        const s = await world.resolve(run, c.app);
        const applied = await s.traffic.read();
        const backends = { ...applied.backends, [s.canary]: [await upstreamOf(s, s.canary)] };
        if (s.stable && s.stable !== s.canary)
          backends[s.stable] = [await ensureRunning(s, s.stable, `${c.opId}/stable`)];
        await s.traffic.setBackends(backends);
        const weights: Record<string, number> = Object.fromEntries(Object.keys(backends).map((v) => [v, 0]));
        if (!s.stable || s.stable === s.canary) weights[s.canary] = 100;
        else {
          weights[s.stable] = c.weights.stable;
          weights[s.canary] = c.weights.canary;
        }
        await s.traffic.setWeights(weights);
        const after = await s.traffic.setMirror(
          c.mirrorPercent > 0 && s.stable && s.stable !== s.canary
            ? { version: s.canary, percent: Math.round(c.mirrorPercent) }
            : null,
        );
        return { ok: true, data: { weights: after.weights, mirror: after.mirror } };
      } catch (error) {
        return failure(error);
      }
    },
    async retire(c: CommandOf<'retire'>, run) {
      try {
        const s = await world.resolve(run, c.app);
        const version = c.role === 'stable' ? s.stable : s.canary;
        if (!version) return { ok: true, data: { skipped: 'nothing to retire' } };
        // re-delivering the running version: its "old" self is the new one, so nothing goes away
        if (s.stable === s.canary)
          return { ok: true, data: { skipped: `${version} is both the stable and the new version` } };
        const applied = await s.traffic.read();
        if (
          (applied.weights[version] ?? 0) === 0 &&
          version in applied.backends &&
          applied.mirror?.version !== version
        ) {
          const { [version]: _gone, ...rest } = applied.backends;
          if (Object.keys(rest).length) await s.traffic.setBackends(rest);
        }
        await s.deploy.retire({ opId: c.opId, version });
        return { ok: true, data: { version } };
      } catch (error) {
        return failure(error);
      }
    },
    // a canary stage's Flagger webhook: never throws; the executor reads ok (2xx) or not
    call_webhook: (c: CommandOf<'call_webhook'>, run) => callStageWebhook(c, run.environment),
    async measure(c: CommandOf<'measure'>, run) {
      try {
        const app = c.target.app ?? (await dependencyApp(world, run, c.target.flagKey));
        if (!app)
          return {
            ok: true,
            data: {
              measurements: c.metrics.map((m) => ({
                metric: m,
                value: null,
                error: 'no service to measure this flag by',
                sampleCount: 0,
              })),
            },
          };
        const data = await measureApp(world, metrics, run, {
          app,
          role: c.target.role,
          ...(c.stage ? { stage: c.stage } : {}),
          metrics: c.metrics,
          windowMs: c.windowSeconds * 1000,
          now: now(),
        });
        return { ok: true, data };
      } catch (error) {
        return failure(error);
      }
    },
  };
}

/**
 * Measures a version of a Service of the run (with the stable version as its baseline): the
 * `measure` command's data, also what the fast path judges between scheduled checks.
 */
export async function measureApp(
  world: ServiceWorld,
  metrics: MetricRegistry,
  run: RunContext,
  target: {
    app: string;
    role: 'canary' | 'stable' | 'shadow' | undefined;
    /** The stage measured: its name and `namespace` fill the templates' variables. */
    stage?: string;
    metrics: string[];
    windowMs: number;
    now: Date;
    /** false: webhook checks are left out (the fast path reads counts; it never calls). */
    calls?: boolean;
  },
): Promise<Record<string, unknown>> {
  const { app } = target;
  const s = await world.resolve(run, app);
  const version = versionOf(s, target.role) ?? s.canary;
  // each metric reads the template the plan gives it (metric_templates), else the built-in
  const plan = await world.plan(run);
  const stage = plan.stages.find((st) => st.name === target.stage);
  const namespace = (stage?.config as { namespace?: unknown } | undefined)?.namespace;
  // a Flagger `rollout` webhook is called, not read (rollouts/webhooks.ts)
  const called = new Map<string, WebhookCheck>();
  for (const m of target.metrics) {
    const choice = plan.metric_templates?.[m];
    if (isWebhookChoice(choice)) called.set(m, choice.webhook);
  }
  const read = target.metrics.filter((m) => !called.has(m));
  const calls = Promise.all(
    [...called]
      .filter(() => target.calls !== false)
      .map(([metric, check]) => callWebhook({ metric, check, environment: run.environment, version })),
  );
  const { measurements, queries } = await metrics.check(
    read,
    {
      route: s.route,
      service: app,
      environment: run.environment,
      ...(typeof namespace === 'string' ? { namespace } : {}),
      ...(target.stage ? { stage: target.stage } : {}),
      version,
      ...(s.stable && s.stable !== version ? { baselineVersion: s.stable } : {}),
      windowMs: target.windowMs,
      now: target.now,
    },
    plan.metric_templates,
  );
  const answers = await calls;
  for (const [metric, check] of called) queries[metric] = `POST ${check.url}`;
  // in the order asked
  const byMetric = new Map([...measurements, ...answers].map((m) => [m.metric, m]));
  const all = target.metrics.flatMap((m) => byMetric.get(m) ?? []);
  return { measurements: all, queries, source: `${app}@${version}` };
}

/**
 * A feature_flag stage is judged by the router metrics of a service its dependencies rolled out
 * (until per-variant figures exist); the measurement's `source` names which.
 */
async function dependencyApp(
  world: ServiceWorld,
  run: RunContext,
  flagKey: string | undefined,
): Promise<string | null> {
  const plan = await world.plan(run);
  const byName = new Map(plan.stages.map((st) => [st.name, st]));
  const start = plan.stages.find(
    (st) => st.strategy === 'feature_flag' && (st.config as { flag_key?: string }).flag_key === flagKey,
  );
  const queue = [...(start?.dependencies ?? [])];
  const seen = new Set<string>();
  while (queue.length) {
    const name = queue.shift() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const stage = byName.get(name);
    const app = (stage?.config as { app_name?: string } | undefined)?.app_name;
    if (app) return app;
    queue.push(...(stage?.dependencies ?? []));
  }
  return null;
}
