/**
 * A canary's weight at each step, shared by the executor and the plan's duration check (here,
 * so plan parsing imports no executor: executors import the judge, which imports stats, which
 * imports plan parsing).
 */

/** The weight of step k (0-based): the listed `weights` (Flagger's stepWeights), then max_weight. */
export function canaryWeight(
  cfg: { initial_weight: number; increment: number; max_weight: number; weights?: number[] | undefined },
  k: number,
) {
  if (cfg.weights?.length) return Math.min(cfg.weights[k] ?? cfg.max_weight, cfg.max_weight);
  return Math.min(cfg.initial_weight + k * cfg.increment, cfg.max_weight);
}
