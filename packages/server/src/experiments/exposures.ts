/**
 * Exposures from flag evaluations: an OFREP or feature-API evaluation of a running experiment's
 * flag that assigned an arm (reason TARGETING_MATCH) exposes its targeting key. The evaluation
 * path only adds to an in-memory map (bounded); a timer writes the batch through the ingest.
 * A user counts once: repeats are dropped here while remembered, and by the user's row after.
 */

import { EXPERIMENT_METADATA_KEY } from '@sluice/core/experiments';
import type { EvaluationResult } from '@sluice/core/flags';
import { EXPOSURE, type ExperimentEntry, type ExperimentIngest } from './ingest.js';

/** Pending exposures kept at most; past it new ones wait for the next flush (a quota). */
const MAX_PENDING = 100_000;
/** Users remembered as already sent, per process; cleared when full. */
const MAX_REMEMBERED = 500_000;

export class EvaluationExposures {
  private pending = new Map<string, { environment: string; entry: ExperimentEntry }>();
  private readonly sent = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Exposures dropped because the buffer was full, for the log. */
  dropped = 0;

  constructor(
    private readonly ingest: ExperimentIngest,
    private readonly now: () => Date,
    private readonly log: (message: string, error: unknown) => void,
  ) {}

  /** The evaluation hook (OFREP, feature API): cheap, never throws. */
  readonly onEvaluated = (
    environment: string,
    flagKey: string,
    variant: string | undefined,
    result?: Pick<EvaluationResult<unknown>, 'reason' | 'flagMetadata'>,
    context?: Record<string, unknown>,
  ): void => {
    if (variant === undefined || result?.reason !== 'TARGETING_MATCH') return;
    if (result.flagMetadata[EXPERIMENT_METADATA_KEY] !== flagKey) return;
    const user = context?.targetingKey;
    if (typeof user !== 'string' || user === '' || user.length > 256) return;
    const id = `${environment}\0${flagKey}\0${user}`;
    if (this.sent.has(id) || this.pending.has(id)) return;
    if (this.pending.size >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    const entry = { experiment: flagKey, user, name: EXPOSURE, arm: variant, time: this.now().toISOString() };
    this.pending.set(id, { environment, entry });
  };

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** Writes what is pending; concurrent calls share one write. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const byEnvironment = new Map<string, ExperimentEntry[]>();
    for (const { environment, entry } of batch.values()) {
      const list = byEnvironment.get(environment);
      if (list) list.push(entry);
      else byEnvironment.set(environment, [entry]);
    }
    for (const [environment, entries] of byEnvironment) {
      try {
        await this.ingest.recordNow(environment, entries);
        if (this.sent.size + batch.size > MAX_REMEMBERED) this.sent.clear();
        for (const id of batch.keys()) if (id.startsWith(`${environment}\0`)) this.sent.add(id);
      } catch (error) {
        this.log(
          `writing ${entries.length} experiment exposures of ${environment} failed; they are dropped`,
          error,
        );
      }
    }
  }
}
