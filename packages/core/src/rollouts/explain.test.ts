/**
 * Golden transcripts of `explain` from deterministic simulated runs: promoted, rolled back by
 * a threshold, rolled back by the baseline comparison, paused on inconclusive checks. Review
 * a change to them as you would a change of wording in the product. `vitest -u` rewrites them.
 */
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../analysis/index.js';
import { type ExplainEntry, explainRun } from './explain.js';
import { type Command, parsePlan, type RunState, startRun, transition } from './index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const GOLDEN = '../../../../examples/rollouts/explain';

const plan = (analysis?: Record<string, unknown>, guard?: Record<string, unknown>) =>
  parsePlan({
    name: 'web',
    version: '2.0.0',
    ...(guard ? { guard } : {}),
    stages: [
      {
        name: 'web_canary',
        strategy: 'canary',
        ...(analysis ? { analysis } : {}),
        config: {
          app_name: 'web',
          initial_weight: 10,
          increment: 40,
          max_weight: 50,
          interval_seconds: 600,
          monitor_duration_minutes: 10,
          thresholds: { error_rate: 1, conversion_rate_drop: 5 },
        },
      },
    ],
  });

interface Traffic {
  errors: [number, number];
  conversions: [number, number];
  requests: number;
}

function readings(t: Traffic): Measurement[] {
  const [ce, be] = t.errors;
  const [cc, bc] = t.conversions;
  const n = t.requests;
  if (n < 20) {
    const error = `too few requests to web/2.0.0: ${n} in the window, need 20`;
    return [
      { metric: 'error_rate', value: null, sampleCount: n, error },
      {
        metric: 'conversion_rate_drop',
        value: null,
        sampleCount: n,
        error: `too few page views of 2.0.0: ${n} in the window, need 100`,
      },
    ];
  }
  return [
    {
      metric: 'error_rate',
      value: (ce / n) * 100,
      sampleCount: n,
      evidence: { statistic: 'rate', version: { events: ce, total: n }, baseline: { events: be, total: n } },
    },
    {
      metric: 'conversion_rate_drop',
      value: ((bc - cc) / bc) * 100,
      sampleCount: n,
      evidence: {
        statistic: 'relative_drop',
        version: { events: cc, total: n },
        baseline: { events: bc, total: n },
      },
    },
  ];
}

/** Runs the plan to its end or a pause, answering every command; the stored history. */
function run(
  analysis: Record<string, unknown> | undefined,
  traffic: Traffic,
  more: {
    /** What the routers push right after the first weight is set (a breach event). */
    pushed?: Traffic;
    guard?: Record<string, unknown>;
    /** What the post-release guard reads. */
    afterRelease?: Traffic;
  } = {},
): { history: ExplainEntry[]; state: RunState } {
  let now = T0;
  let pushed = more.pushed;
  const first = startRun(plan(analysis, more.guard), { runId: 'r1', startedBy: 'alice' }, now);
  const history: ExplainEntry[] = [
    { at: now, event: { type: 'run_started' }, transitions: first.transitions },
  ];
  let state = first.state;
  let queue: Command[] = [...first.commands];
  while (!['succeeded', 'rolled_back', 'failed', 'paused'].includes(state.status)) {
    const cmd = queue.find((c) => state.pending[c.opId]);
    let event: Parameters<typeof transition>[1];
    if (cmd) {
      const reading = cmd.stage === null && more.afterRelease ? more.afterRelease : traffic;
      const data =
        cmd.kind === 'measure'
          ? { measurements: readings(reading), queries: { error_rate: 'builtin: error_rate of web@2.0.0' } }
          : {};
      event = { type: 'command_result', opId: cmd.opId, ok: true, data };
    } else if (pushed) {
      now += 5_000;
      event = { type: 'breach', stage: 'web_canary', data: { measurements: readings(pushed) } };
      pushed = undefined;
    } else {
      const next = Object.entries(state.timers)
        .filter(([, t]) => t.owner !== 'watchdog')
        .sort((a, b) => a[1].dueAt - b[1].dueAt)[0];
      if (!next) throw new Error('stuck');
      now = next[1].dueAt;
      event = { type: 'timer_fired', timerId: next[0] };
    }
    const r = transition(state, event, now);
    state = r.state;
    history.push({ at: now, event: { type: event.type }, transitions: r.transitions });
    queue = [...queue.filter((c) => state.pending[c.opId]), ...r.commands];
  }
  return { history, state };
}

const healthy: Traffic = { errors: [60, 60], conversions: [4800, 4800], requests: 12_000 };

describe('explain (golden transcripts)', () => {
  it('promoted', async () => {
    const { history, state } = run(undefined, healthy);
    expect(state.status).toBe('succeeded');
    await expect(explainRun(history).join('\n')).toMatchFileSnapshot(`${GOLDEN}/promoted.txt`);
  });

  it('rolled back on a threshold', async () => {
    const { history, state } = run(undefined, { ...healthy, errors: [240, 60] });
    expect(state.status).toBe('rolled_back');
    await expect(explainRun(history).join('\n')).toMatchFileSnapshot(`${GOLDEN}/threshold-rollback.txt`);
  });

  it('rolled back by the judge (under the bound, but worse than the baseline)', async () => {
    const { history, state } = run(undefined, { ...healthy, errors: [100, 40] });
    expect(state.status).toBe('rolled_back');
    await expect(explainRun(history).join('\n')).toMatchFileSnapshot(`${GOLDEN}/judge-rollback.txt`);
  });

  it("rolled back at once on the routers' pushed counts, between scheduled checks", async () => {
    const { history, state } = run(undefined, healthy, {
      pushed: { errors: [300, 10], conversions: [400, 400], requests: 1_000 },
    });
    expect(state.status).toBe('rolled_back');
    await expect(explainRun(history).join('\n')).toMatchFileSnapshot(`${GOLDEN}/fast-rollback.txt`);
  });

  it('rolled back by the post-release guard', async () => {
    const { history, state } = run(undefined, healthy, {
      guard: { metrics: { error_rate: 5 }, duration_seconds: 300 },
      afterRelease: { ...healthy, errors: [1_200, 60] },
    });
    expect(state.status).toBe('rolled_back');
    await expect(explainRun(history).join('\n')).toMatchFileSnapshot(`${GOLDEN}/guard-rollback.txt`);
  });

  it('paused on inconclusive checks', async () => {
    const { history, state } = run(
      { inconclusive_limit: 2, on_inconclusive: 'pause' },
      { ...healthy, requests: 12 },
    );
    expect(state.status).toBe('paused');
    await expect(explainRun(history).join('\n')).toMatchFileSnapshot(`${GOLDEN}/inconclusive-pause.txt`);
  });
});
