// The bench's rollout: one short canary stage (10 → 40 → 70 → 100 %, one step per interval,
// judged at every step, no monitoring tail) and the scripted world that answers its commands at
// once — deploys and traffic shifts succeed, metrics are healthy with plenty of samples. Shared
// by the database fleet (fleet.mjs) and the pure state-machine baseline (pure.mjs), so both
// apply exactly the same events.
import { parsePlan } from '@sluice/core/rollouts';

export function canaryPlan(i, intervalSeconds) {
  return parsePlan({
    name: `bench-${i}`,
    version: '2.0.0',
    max_duration_hours: 1,
    stages: [
      {
        name: 'canary',
        strategy: 'canary',
        config: {
          app_name: `app-${i}`,
          initial_weight: 10,
          increment: 30,
          max_weight: 100,
          interval_seconds: intervalSeconds,
          monitor_duration_minutes: 0,
          thresholds: { error_rate: 1.0, latency_p99: { max: 500, min_samples: 100 } },
        },
      },
    ],
  });
}

/** A healthy reading for every metric the command asks for. */
function measurements(command) {
  return command.metrics.map((metric) => ({
    metric,
    value: metric === 'error_rate' ? 0.1 : 120,
    sampleCount: 1000,
  }));
}

/** What each command comes to, answered from the script without waiting. */
export function outcomeOf(command) {
  if (command.kind === 'measure') return { ok: true, data: { measurements: measurements(command) } };
  return { ok: true };
}

/** Command handlers for the runtime: every kind the canary emits, answered from the script. */
export const scriptedHandlers = Object.fromEntries(
  ['deploy', 'set_traffic', 'measure', 'retire', 'health_check', 'smoke_test'].map((kind) => [
    kind,
    async (command) => outcomeOf(command),
  ]),
);
