import { type RunState, waitingFor } from '@sluice/core/rollouts';
import { z } from 'zod';
import type { RunRecord } from './run-store.js';

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
      }),
    ),
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
    waitingFor: waitingFor(state),
    stages: state.order.map((name) => {
      const s = state.stages[name];
      const planned = state.plan.stages.find((p) => p.name === name);
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
      };
    }),
  };
}

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
