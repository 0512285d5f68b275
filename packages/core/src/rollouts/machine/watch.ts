/**
 * What a run's stages watch between scheduled checks, so the control plane can measure when
 * the routers push new counts and feed a `breach` event only when it decides something.
 */
import { executorFor } from '../executors/index.js';
import type { Watch } from '../executors/types.js';
import type { RunState } from '../state.js';
import { transition } from './transition.js';

export interface StageWatch extends Watch {
  stage: string;
  attempt: number;
}

/** The running stages of a running run that are watched between checks. */
export function watchedStages(state: RunState): StageWatch[] {
  if (state.status !== 'running') return [];
  const out: StageWatch[] = [];
  for (const name of state.order) {
    const s = state.stages[name];
    const stage = state.plan.stages.find((x) => x.name === name);
    if (s?.status !== 'running' || !stage) continue;
    const exec = executorFor(s.strategy);
    const ctx = {
      runId: state.runId,
      stage,
      version: state.plan.version,
      attempt: s.attempt,
      now: 0,
      timeScale: state.timeScale,
    };
    const watch = exec.watching?.(ctx as Parameters<NonNullable<typeof exec.watching>>[0], s.exec);
    if (watch) out.push({ ...watch, stage: name, attempt: s.attempt });
  }
  return out;
}

/**
 * Whether a reading would fail the stage now: the machine's own transition on a copy, so the
 * caller stores a `breach` event only when it changes something.
 */
export function breachDecides(
  state: RunState,
  stage: string,
  data: Record<string, unknown>,
  looks: number,
  now: number,
): boolean {
  const result = transition(state, { type: 'breach', stage, data, looks }, now);
  return result.state.stages[stage]?.status !== state.stages[stage]?.status;
}
