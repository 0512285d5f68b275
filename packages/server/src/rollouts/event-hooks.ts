/**
 * Flagger's `event` webhooks: every notice of a run (a stage waits, fails, rolls back, the run
 * ends …) is POSTed to each `event` webhook of its canary stages with Flagger's event payload
 * (`metadata.eventMessage`, `eventType`, `timestamp`). Fire and forget: the run never waits for
 * one, a failure is only logged, and at most MAX_IN_FLIGHT calls are under way in the process
 * (more are dropped and logged) so a slow receiver cannot pile requests up.
 */
import type { FlaggerPhase, RunState, StageWebhook, TransitionResult } from '@sluice/core/rollouts';
import type { RunRecord } from './run-store.js';
import { postWebhook } from './webhooks.js';

export const MAX_IN_FLIGHT = 16;

type Log = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;

/** Flagger's canary phase for the run as it stands. */
export function runPhase(state: Pick<RunState, 'status'>): FlaggerPhase {
  switch (state.status) {
    case 'pending':
      return 'Initializing';
    case 'paused':
    case 'blocked':
      return 'Waiting';
    case 'succeeded':
      return 'Succeeded';
    case 'running':
      return 'Progressing';
    default:
      // rolling back, rolled back, failed, aborted
      return 'Failed';
  }
}

/** The `event` webhooks of a run's plan (canary stages only carry webhooks). */
export function eventHooks(state: Pick<RunState, 'plan'>): StageWebhook[] {
  return state.plan.stages.flatMap((s) =>
    s.strategy === 'canary' ? (s.config.webhooks ?? []).filter((w) => w.type === 'event') : [],
  );
}

export class EventHooks {
  private inFlight = 0;

  constructor(
    private readonly log: Log,
    private readonly now: () => number,
  ) {}

  /** A runtime transition listener: tells each notice of the transition to the event webhooks. */
  readonly onTransition = (run: RunRecord, result: TransitionResult): void => {
    const hooks = eventHooks(result.state);
    if (!hooks.length) return;
    const phase = runPhase(result.state);
    for (const notice of result.commands) {
      if (notice.kind !== 'notify') continue;
      for (const hook of hooks) {
        this.send(run, hook, {
          name: hook.canary,
          namespace: hook.namespace ?? run.environment,
          phase,
          checksum: result.state.plan.version,
          metadata: {
            ...hook.metadata,
            eventMessage: notice.message,
            // Kubernetes' event types, as Flagger sends them
            eventType: notice.level === 'info' ? 'Normal' : 'Warning',
            timestamp: String(this.now()),
          },
        });
      }
    }
  };

  private send(run: RunRecord, hook: StageWebhook, payload: Record<string, unknown>): void {
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.log('warn', 'event webhook skipped: too many calls under way', {
        runId: run.id,
        webhook: hook.name,
      });
      return;
    }
    this.inFlight += 1;
    void postWebhook(hook.url, payload, hook.timeout_seconds)
      .then((answer) => {
        if (!answer.ok)
          this.log('warn', `event webhook "${hook.name}" failed: ${answer.why}`, { runId: run.id });
      })
      .finally(() => {
        this.inFlight -= 1;
      });
  }
}
