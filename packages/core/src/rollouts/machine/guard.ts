/**
 * The post-release guard (plan.guard): once every stage completed, the run keeps measuring the
 * delivered service every `interval_seconds` for `duration_seconds`, through the same judge,
 * limits and check records as a stage. A failed check rolls the whole run back to the previous
 * release; an inconclusive one does not (a quiet hour after a release is not a breach). The run
 * succeeds when the guard's time is up.
 */
import { normalizeThresholds, unitOf } from '../../analysis/index.js';
import { checkRecord, judge, measureBody, newCheck, stagePolicy } from '../executors/common.js';
import type { CommandOutcome } from '../executors/types.js';
import { metricWindow, planned } from '../pace.js';
import type { Guard } from '../plan/plan-schema.js';
import { beginRollback } from './rollback.js';
import { emitCommand, emitTimer, notify, record, type Tx } from './tx.js';

const thresholdsOf = (guard: Guard) => normalizeThresholds(guard.metrics);

/**
 * The guard's checks have no deadline of their own (JSON-safe "never"): they go on until its
 * time is up, so readings still inconclusive then do not turn into a failure.
 */
const NO_DEADLINE = Number.MAX_SAFE_INTEGER;
const fresh = (tx: Tx) => ({
  ...newCheck({ timeScale: tx.state.timeScale, now: tx.now }, 0),
  deadline: NO_DEADLINE,
});

/** The service a guard watches: its `app_name`, else the last stage's. */
export function guardedApp(tx: Tx): string {
  const guard = tx.state.plan.guard;
  if (guard?.app_name) return guard.app_name;
  const apps = tx.state.plan.stages.flatMap((s) => {
    const app = (s.config as { app_name?: string }).app_name;
    return app ? [app] : [];
  });
  return apps.at(-1) ?? '';
}

/** Every stage completed: start guarding instead of succeeding. False when there is no guard. */
export function startGuard(tx: Tx): boolean {
  const st = tx.state;
  const guard = st.plan.guard;
  if (!guard || st.guard) return false;
  const app = guardedApp(tx);
  const ms = planned(st, guard.duration_seconds * 1000);
  st.guard = { app, since: tx.now, until: tx.now + ms, ticks: 0 };
  record(
    tx,
    null,
    st.status,
    st.status,
    `every stage completed; guarding ${app} for ${guard.duration_seconds}s`,
  );
  notify(tx, 'info', `guarding ${app} for ${guard.duration_seconds}s after the release`);
  waitGuard(tx);
  return true;
}

function waitGuard(tx: Tx) {
  const g = tx.state.guard;
  const guard = tx.state.plan.guard;
  if (!g || !guard) return;
  g.ticks += 1;
  const next = Math.min(tx.now + planned(tx.state, guard.interval_seconds * 1000), g.until);
  emitTimer(tx, null, 'guard', `guard/wait${g.ticks}`, next, 'post-release guard interval');
}

export function guardTimer(tx: Tx) {
  const g = tx.state.guard;
  const guard = tx.state.plan.guard;
  if (!g || !guard || tx.state.status !== 'running') return;
  const windowMs = metricWindow(tx.state, guard.interval_seconds * 1000);
  const check = g.check ?? fresh(tx);
  g.check = { ...check, windowMs };
  emitCommand(
    tx,
    null,
    'guard',
    `guard/m${g.ticks}`,
    measureBody({ app: g.app, role: 'canary' }, thresholdsOf(guard), windowMs),
  );
}

/** A guard measurement came back: roll back on a failure, succeed when the time is up. */
export function guardResult(tx: Tx, outcome: CommandOutcome, succeed: (tx: Tx) => void) {
  const st = tx.state;
  const g = st.guard;
  const guard = st.plan.guard;
  if (!g || !guard || st.status !== 'running') return;
  const thresholds = thresholdsOf(guard);
  const j = judge(outcome, thresholds, g.check ?? fresh(tx), {
    now: tx.now,
    policy: stagePolicy({ stage: { analysis: guard.analysis } }),
  });
  g.check = { ...j.check, deadline: NO_DEADLINE };
  const rec = checkRecord(j, outcome);
  g.checks = rec.metrics.map((m) => ({
    metric: m.metric,
    query: m.query ?? null,
    window: `${Math.round((j.check.windowMs ?? 0) / 1000)}s`,
    value: m.value,
    reason: m.reason,
    threshold: m.threshold,
    unit: unitOf(m.metric),
    samples: m.samples,
    minSamples: m.minSamples,
    verdict: m.verdict as 'pass' | 'fail' | 'inconclusive',
    nextAt: null,
  }));
  g.checkedAt = tx.now;
  record(tx, null, st.status, st.status, `guard check: ${rec.decision}`, rec);
  if (j.verdict.type === 'fail') {
    beginRollback(tx, 'all', 'rolled_back', `post-release guard on ${g.app}: ${j.verdict.reason}`);
    return;
  }
  if (tx.now >= g.until) return succeed(tx);
  waitGuard(tx);
}
