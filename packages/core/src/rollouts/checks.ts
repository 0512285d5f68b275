/**
 * The latest metric checks of a stage, as people and tools read them: each metric with its
 * value or why there is none, the bound it is held to, the samples behind it, the verdict, and
 * when it is looked at next. The machine records them from every `measure` result (gates and
 * executors alike); the run resource serves them as `stages[].checks[]`.
 */
import type { Threshold, Verdict } from '../analysis/index.js';

export interface StageCheck {
  metric: string;
  /** What was asked of the metrics provider (its query or a description), when it says. */
  query: string | null;
  /** How far back the reading looked, e.g. `30s`. */
  window: string;
  value: number | null;
  /** Why the verdict: the value against its bound, or why there is no value. */
  reason: string;
  threshold: { min?: number; max?: number };
  /** The unit of value and threshold (`%`, `s`), when known. */
  unit: string | null;
  samples: number;
  minSamples: number;
  verdict: Verdict;
  /** When the stage looks at its metrics next (epoch ms), or null when it will not. */
  nextAt: number | null;
}

/** What a pending `measure` command was asked, kept so its result can be read back. */
export interface PendingCheck {
  thresholds: Threshold[];
  windowSeconds: number;
}
