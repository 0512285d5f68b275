/**
 * What other slices see of a run's stored events, inside the transaction that stores them: the
 * notifications outbox and the release history write their rows there, so an event, the
 * notices it causes and its release record commit together or not at all.
 */
import type { TransitionResult } from '@sluice/core/rollouts';
import type { Executor } from '../storage/index.js';
import type { RunRecord } from './run-store.js';

export interface RunJournalEntry {
  /** The run as this event leaves it. */
  run: RunRecord;
  seq: number;
  /** Epoch milliseconds. */
  at: number;
  actor: string;
  /** The event as stored (`run_started`, `approve`, `command_result`, …). */
  event: { type: string } & Record<string, unknown>;
  result: TransitionResult;
}

/** Writes rows of its own for the events of one transaction; a throw rolls the events back. */
export type RunObserver = (trx: Executor, entries: readonly RunJournalEntry[]) => Promise<void>;
