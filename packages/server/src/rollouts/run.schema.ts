import { MAX_TIME_SCALE, type Plan, type RunState, stageChecks, waitingFor } from '@sluice/core/rollouts';
import { z } from 'zod';
import { versionFromImage } from '../deploy/model.js';
import type { RunRecord } from './run-store.js';

/**
 * A stage's latest reading of one metric: the one shape `rollout status`, `explain` and the
 * dashboard read to say why a step waits, passed or failed.
 */
export const stageCheckSchema = z
  .object({
    metric: z.string(),
    /** What the metrics provider was asked (its query, or a description of it), when it says. */
    query: z.string().nullable(),
    /** How far back the reading looked, e.g. `30s`. */
    window: z.string(),
    /** null when there is no trustworthy figure; `reason` says why. */
    value: z.number().nullable(),
    reason: z.string(),
    threshold: z.object({ min: z.number().optional(), max: z.number().optional() }),
    /** The unit of value and threshold (`%`, `s`), when known. */
    unit: z.string().nullable(),
    samples: z.number(),
    minSamples: z.number(),
    verdict: z.enum(['pass', 'fail', 'inconclusive']),
    /** When the stage looks at its metrics next; null when it will not. */
    nextAt: z.string().nullable(),
  })
  .meta({ id: 'StageCheck' });
export type StageCheckView = z.infer<typeof stageCheckSchema>;

export const runSummarySchema = z
  .object({
    id: z.string(),
    rollout: z.string(),
    environment: z.string(),
    rolloutVersion: z.number(),
    status: z.string(),
    reason: z.string().nullable(),
    startedBy: z.string(),
    startedAt: z.string(),
    updatedAt: z.string(),
    endedAt: z.string().nullable(),
    /** 1 in real time; N when the run was started N times faster than its plan. */
    timeScale: z.number(),
    waitingFor: z.array(z.string()),
    stages: z.array(
      z.object({
        name: z.string(),
        strategy: z.string(),
        status: z.string(),
        weight: z.number(),
        attempt: z.number(),
        dependencies: z.array(z.string()),
        waitingFor: z.string().nullable(),
        error: z.string().nullable(),
        startedAt: z.string().nullable(),
        completedAt: z.string().nullable(),
        /** The latest reading of each metric the stage is judged by (empty before any). */
        checks: z.array(stageCheckSchema),
        /** When those readings were taken. */
        checkedAt: z.string().nullable(),
        /** While readings are inconclusive: when the stage fails unless they turn conclusive. */
        checkDeadline: z.string().nullable(),
      }),
    ),
    /** The post-release guard (plan.guard) once every stage completed; null before or without one. */
    guard: z
      .object({
        app: z.string(),
        since: z.string(),
        until: z.string(),
        checks: z.array(stageCheckSchema),
        checkedAt: z.string().nullable(),
      })
      .nullable(),
  })
  .meta({ id: 'RolloutRun' });
export type RunSummary = z.infer<typeof runSummarySchema>;

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function summarise(run: RunRecord): RunSummary {
  const state = run.state as RunState;
  return {
    id: run.id,
    rollout: run.rollout,
    environment: run.environment,
    rolloutVersion: run.rolloutVersion,
    status: state.status,
    reason: state.reason ?? null,
    startedBy: run.startedBy,
    startedAt: run.startedAt,
    updatedAt: run.updatedAt,
    endedAt: iso(state.endedAt),
    timeScale: state.timeScale ?? 1,
    waitingFor: waitingFor(state),
    stages: state.order.map((name) => {
      const s = state.stages[name];
      const planned = state.plan.stages.find((p) => p.name === name);
      const latest = stageChecks(state, name);
      return {
        name,
        strategy: s?.strategy ?? planned?.strategy ?? 'unknown',
        status: s?.status ?? 'pending',
        weight: s?.weight ?? 0,
        attempt: s?.attempt ?? 1,
        dependencies: planned?.dependencies ?? [],
        waitingFor: s?.waitingFor ?? null,
        error: s?.error ?? null,
        startedAt: iso(s?.startedAt),
        completedAt: iso(s?.completedAt),
        checks: latest.checks.map((c) => ({ ...c, nextAt: c.nextAt === null ? null : iso(c.nextAt) })),
        checkedAt: latest.checkedAt === null ? null : iso(latest.checkedAt),
        checkDeadline: latest.deadline === null ? null : iso(latest.deadline),
      };
    }),
    guard: state.guard
      ? {
          app: state.guard.app,
          since: new Date(state.guard.since).toISOString(),
          until: new Date(state.guard.until).toISOString(),
          checks: (state.guard.checks ?? []).map((c) => ({ ...c, nextAt: null })),
          checkedAt: iso(state.guard.checkedAt),
        }
      : null,
  };
}

/** One version of a Service delivered (or attempted) by a run. */
export const releaseSchema = z
  .object({
    service: z.string(),
    version: z.string(),
    runId: z.string(),
    rollout: z.string(),
    /** The run's status: succeeded means this version now serves. */
    status: z.string(),
    reason: z.string().nullable(),
    startedBy: z.string(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    /** The run's stages that act on this Service, with where each got to. */
    stages: z.array(
      z.object({ name: z.string(), strategy: z.string(), status: z.string(), weight: z.number() }),
    ),
  })
  .meta({ id: 'ServiceRelease' });
export type Release = z.infer<typeof releaseSchema>;

/** The releases of `service` among runs (newest first), from the runs' own plans. */
export function releasesOf(service: string, runs: readonly RunRecord[], limit: number): Release[] {
  const out: Release[] = [];
  for (const run of runs) {
    const plan = run.plan as Plan;
    const acting = plan.stages.filter((s) => (s.config as { app_name?: unknown }).app_name === service);
    if (!acting.length) continue;
    const summary = summarise(run);
    const image = acting.map((s) => (s.config as { image?: string }).image).find((i) => i !== undefined);
    out.push({
      service,
      version: (image && tagOf(image)) || plan.version,
      runId: run.id,
      rollout: run.rollout,
      status: summary.status,
      reason: summary.reason,
      startedBy: summary.startedBy,
      startedAt: summary.startedAt,
      endedAt: summary.endedAt,
      stages: summary.stages
        .filter((s) => acting.some((a) => a.name === s.name))
        .map(({ name, strategy, status, weight }) => ({ name, strategy, status, weight })),
    });
    if (out.length >= limit) break;
  }
  return out;
}

/** `api:2.0.0` → `2.0.0`, as the deploy providers read it; undefined without a usable tag. */
function tagOf(image: string): string | undefined {
  try {
    return versionFromImage(image);
  } catch {
    return undefined;
  }
}

export const startBodySchema = z
  .object({
    /**
     * Live the plan N times faster: every duration is divided by N (metric windows keep at
     * least 10 s). For demos and rehearsals; the run shows it everywhere.
     */
    timeScale: z.number().min(1).max(MAX_TIME_SCALE).optional(),
    /**
     * The version to deliver: required to start a Flagger Canary (the new version of its
     * target); for a plan, it replaces the plan's `version`.
     */
    version: z.string().trim().min(1).max(128).optional(),
  })
  .strict();
export type StartOptions = z.infer<typeof startBodySchema>;

export const controlBodies = {
  approve: z.object({ stage: z.string().min(1), comment: z.string().max(1000).optional() }).strict(),
  reject: z
    .object({ stage: z.string().min(1), reason: z.string().trim().min(1, 'say why').max(1000) })
    .strict(),
  pause: z.object({ reason: z.string().max(1000).optional() }).strict(),
  resume: z.object({}).strict(),
  abort: z.object({ reason: z.string().max(1000).optional() }).strict(),
  promote: z.object({ stage: z.string().min(1).optional() }).strict(),
  retry: z.object({ stage: z.string().min(1) }).strict(),
} as const;
export type ControlVerb = keyof typeof controlBodies;
