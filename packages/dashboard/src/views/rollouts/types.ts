import type { TransitionRecord } from '@sluice/core/rollouts';
import type { Schemas } from '../../api/client';

export type Run = Schemas['RolloutRun'];
export type Stage = Run['stages'][number];

/** One analysis check of a stage: what was measured, against what, and the verdict. */
export type Check = Schemas['StageCheck'];

export function checksOf(stage: Stage): Check[] {
  return stage.checks;
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
