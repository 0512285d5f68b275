import type { TransitionRecord } from '@sluice/core/rollouts';
import type { Schemas } from '../../api/client';

export type Run = Schemas['RolloutRun'];
export type Stage = Run['stages'][number];

/**
 * One analysis check of a stage, as the analysis issue adds it to `stages[].checks[]`. The
 * run schema does not carry it yet, so it is read here when present; once the server's schema
 * has it, the generated type replaces this one.
 */
export interface Check {
  metric: string;
  query?: string | null;
  window?: string | number | null;
  value: number | null;
  reason?: string | null;
  threshold?: number | string | null;
  samples?: number | null;
  minSamples?: number | null;
  verdict: string;
  nextAt?: string | null;
}

export function checksOf(stage: Stage): Check[] | null {
  const checks = (stage as Stage & { checks?: unknown }).checks;
  return Array.isArray(checks) ? (checks as Check[]) : null;
}

/**
 * One entry of `GET /rollout-runs/{id}/history`. The route declares no response schema yet, so
 * its shape is the store's record with core's TransitionRecord.
 */
export interface HistoryEntry {
  seq: number;
  at: string;
  actor: string;
  event: {
    type: string;
    stage?: string;
    subject?: string;
    roles?: string[];
    comment?: string;
    reason?: string;
  };
  transitions: TransitionRecord[];
}

export const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'aborted']);

/** The roles a manual gate still waits for, from its `waitingFor` text ("approval from a, b"). */
export function approvalsAwaited(stage: Stage): string[] | null {
  const m = /^approval from (.+)$/.exec(stage.waitingFor ?? '');
  return m?.[1] ? m[1].split(/,\s*/) : null;
}
