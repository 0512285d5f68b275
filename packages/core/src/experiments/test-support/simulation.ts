/**
 * A seeded A/B run for tests: users arrive evenly over some days, each is assigned by the real
 * hash (`armFor`) and converts with the arm's true rate. `lose` drops a share of one arm's
 * exposures, as broken exposure logging would (a sample ratio mismatch).
 */
import { rng } from '../../stats/test-support/random.js';
import { armFor } from '../assign.js';
import type { ExperimentSpec } from '../schema.js';

export interface SimulatedUser {
  user: string;
  arm: string;
  /** Day of arrival, 0-based. */
  day: number;
  /** Milliseconds after the start of the run. */
  at: number;
  converted: boolean;
  /** False when the exposure was lost (`lose`). */
  exposed: boolean;
}

export interface SimulationOptions {
  key: string;
  spec: Pick<ExperimentSpec, 'traffic_split' | 'salt'>;
  users: number;
  days: number;
  /** True conversion rate per arm. */
  rates: Record<string, number>;
  seed: number;
  lose?: { arm: string; share: number };
}

export function simulateRun(o: SimulationOptions): SimulatedUser[] {
  const random = rng(o.seed);
  const dayMs = 86_400_000;
  const out: SimulatedUser[] = [];
  for (let i = 0; i < o.users; i++) {
    const user = `sim-${o.seed}-${i}`;
    const arm = armFor(o.key, o.spec, user);
    const at = Math.floor((i / o.users) * o.days * dayMs);
    const converted = random.next() < (o.rates[arm] ?? 0);
    const lost = o.lose !== undefined && o.lose.arm === arm && random.next() < o.lose.share;
    out.push({ user, arm, day: Math.floor(at / dayMs), at, converted, exposed: !lost });
  }
  return out;
}
