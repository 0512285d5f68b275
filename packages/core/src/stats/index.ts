/**
 * The statistics engine: pure functions, one per test, each with a zod input schema (type,
 * validation naming the bad field, OpenAPI shape) and a zod result schema. `statsTests` lists them
 * by their public name so a server can mount every calculator the same way.
 */
import type { z } from 'zod';
import { type BayesResult, bayes, bayesInput, bayesResult } from './bayes.js';
import { type CupedResult, cuped, cupedInput, cupedResult } from './cuped.js';
import { type HolmResult, holm, holmInput, holmResult } from './holm.js';
import {
  type MannWhitneyResult,
  mannWhitney,
  mannWhitneyBuckets,
  mannWhitneyBucketsInput,
  mannWhitneyInput,
  mannWhitneyResult,
} from './mann-whitney.js';
import { type MeansResult, means, meansInput, meansResult } from './means.js';
import { type ProportionsResult, proportions, proportionsInput, proportionsResult } from './proportions.js';
import { type SampleSizeResult, sampleSize, sampleSizeInput, sampleSizeResult } from './sample-size.js';
import { type SequentialResult, sequential, sequentialInput, sequentialResult } from './sequential.js';
import { type SrmResult, srm, srmInput, srmResult } from './srm.js';

export * from './bayes.js';
export { DEFAULT_CONFIDENCE } from './common.js';
export * from './cuped.js';
export * from './distributions.js';
export * from './holm.js';
export * from './intervals.js';
export * from './mann-whitney.js';
export * from './means.js';
export * from './proportions.js';
export * from './sample-size.js';
export * from './sequential.js';
export * from './srm.js';

/** One calculator: validate with `input`, describe the answer with `output`, compute with `run`. */
export interface StatsTest<R> {
  input: z.ZodType;
  output: z.ZodType<R>;
  /** Validates (throws VALIDATION_FAILED, 400, with `fields`) and computes. */
  run: (input: unknown) => R;
  summary: string;
}

const entry = <R>(
  input: z.ZodType,
  output: z.ZodType<R>,
  // biome-ignore lint/suspicious/noExplicitAny: each run validates its own input
  run: (input: any) => R,
  summary: string,
): StatsTest<R> => ({ input, output, run, summary });

/**
 * Every test by its public name (`POST /api/v1/stats/{name}`, `sluice stats NAME`).
 * @example
 * const test = statsTests['proportions'];
 * const result = test.run(requestBody); // throws VALIDATION_FAILED on bad input
 */
export const statsTests = {
  proportions: entry<ProportionsResult>(
    proportionsInput,
    proportionsResult,
    proportions,
    'Two conversion rates: lifts, Wald intervals, pooled z-test',
  ),
  means: entry<MeansResult>(meansInput, meansResult, means, "Two means: Welch's t-test"),
  srm: entry<SrmResult>(srmInput, srmResult, srm, 'Sample ratio mismatch: chi-square goodness of fit'),
  bayes: entry<BayesResult>(
    bayesInput,
    bayesResult,
    bayes,
    'Beta-binomial chance to beat control and expected loss',
  ),
  'sample-size': entry<SampleSizeResult>(
    sampleSizeInput,
    sampleSizeResult,
    sampleSize,
    "Users per variant (Evan Miller's formula)",
  ),
  sequential: entry<SequentialResult>(
    sequentialInput,
    sequentialResult,
    sequential,
    'Always-valid p-values and confidence sequence (mSPRT)',
  ),
  holm: entry<HolmResult>(holmInput, holmResult, holm, 'Holm adjustment of p-values'),
  cuped: entry<CupedResult>(cupedInput, cupedResult, cuped, 'CUPED variance-reduced difference of means'),
  'mann-whitney': entry<MannWhitneyResult>(
    mannWhitneyInput,
    mannWhitneyResult,
    mannWhitney,
    'Mann-Whitney U test on two samples',
  ),
  'mann-whitney-buckets': entry<MannWhitneyResult>(
    mannWhitneyBucketsInput,
    mannWhitneyResult,
    mannWhitneyBuckets,
    'Mann-Whitney U test on two histograms with the same buckets',
  ),
} satisfies Record<string, StatsTest<unknown>>;

export type StatsTestName = keyof typeof statsTests;
