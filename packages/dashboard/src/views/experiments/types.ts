import type { Schemas } from '../../api/client';

/** What the views read of an Experiment's spec (the server validates the whole of it). */
export interface ExperimentSpec {
  name?: string;
  description?: string;
  status: 'draft' | 'active' | 'stopped' | 'concluded';
  traffic_split: Record<string, number>;
  metrics: { primary: string; secondary?: string[] };
  duration_days: number;
  min_sample_size: number;
  winner?: string;
}

export type Results = Schemas['ExperimentResults'];
type Intervals = 'ci' | 'relativeCi' | 'sequentialCi';
/** Intervals as arrays: the client's response types widen the schema's `[low, high]` to that. */
type ResultComparison = Results['metrics'][number]['comparisons'][number];
export type Comparison = Omit<ResultComparison, Intervals | 'cuped'> &
  Record<Intervals, number[] | null> & {
    cuped: (Omit<NonNullable<ResultComparison['cuped']>, 'ci'> & { ci: number[] | null }) | null;
  };
export type MetricResult = Omit<Results['metrics'][number], 'comparisons'> & { comparisons: Comparison[] };

export const STATUS_TONE: Record<ExperimentSpec['status'], string> = {
  draft: 'pending',
  active: 'running',
  stopped: 'paused',
  concluded: 'completed',
};

export const DECISION: Record<Results['verdict']['decision'], string> = {
  ship: 'Ship',
  stop: 'Stop',
  keep_running: 'Keep running',
};
