/** A canary stage's Flagger webhooks: where the walk calls each type, and what each answer does. */
import { describe, expect, it } from 'vitest';
import type { Command, CommandOf } from '../commands.js';
import type { RolloutEventInput } from '../events.js';
import { type ExplainEntry, explainRun } from '../explain.js';
import type { StageWebhookType } from '../plan/strategy-schemas.js';
import { Harness } from '../test-support/harness.js';

const hook = (type: StageWebhookType, name: string = type) => ({
  type,
  name,
  canary: 'web',
  url: `http://hooks.test/${name}`,
  timeout_seconds: 5,
  metadata: { gate: name },
});

const plan = (webhooks: unknown[], analysis: Record<string, unknown> = {}) => ({
  name: 'web',
  version: '2.0.0',
  stages: [
    {
      name: 'canary',
      strategy: 'canary',
      analysis,
      config: {
        app_name: 'web',
        initial_weight: 10,
        increment: 40,
        max_weight: 50,
        interval_seconds: 60,
        monitor_duration_minutes: 0,
        thresholds: { error_rate: 1 },
        webhooks,
      },
    },
  ],
});

/** The harness, keeping every transition so `explain` can be read at the end. */
class Recorded extends Harness {
  readonly history: ExplainEntry[] = [];
  override send(ev: RolloutEventInput, at?: number) {
    const r = super.send(ev, at);
    this.history.push({ at: this.now, event: ev as ExplainEntry['event'], transitions: r.transitions });
    return r;
  }
  call(): CommandOf<'call_webhook'> {
    return this.pending('call_webhook') as CommandOf<'call_webhook'>;
  }
  answer(ok: boolean, why = ok ? 'answered 200' : 'answered 403: closed') {
    const c = this.call();
    return this.send({
      type: 'command_result',
      opId: c.opId,
      ok,
      data: { answer: why },
      ...(ok ? {} : { error: why }),
    });
  }
  explain(): string {
    return explainRun(this.history).join('\n');
  }
}

const weights = (log: Command[]) => log.flatMap((c) => (c.kind === 'set_traffic' ? [c.weights.canary] : []));
const calls = (log: Command[], hookType: StageWebhookType) =>
  log.filter((c): c is CommandOf<'call_webhook'> => c.kind === 'call_webhook' && c.hook === hookType);

describe('canary webhooks', () => {
  it("confirm-rollout: asks before the deploy with Flagger's payload, waits while it says no, asks again each interval", () => {
    const h = new Recorded(plan([hook('confirm-rollout', 'start gate')]));
    expect(h.hasPending('deploy')).toBe(false);
    expect(h.call()).toMatchObject({
      hook: 'confirm-rollout',
      name: 'start gate',
      url: 'http://hooks.test/start gate',
      canary: 'web',
      phase: 'Progressing',
      checksum: '2.0.0',
      metadata: { gate: 'start gate' },
      timeoutSeconds: 5,
    });
    h.answer(false);
    expect(h.hasPending('deploy')).toBe(false);
    expect(h.stage('canary').status).toBe('running');
    expect(h.stage('canary').waitingFor).toMatch(
      /waiting for confirm-rollout webhook "start gate" to confirm/,
    );
    h.fire('canary');
    h.answer(false);
    h.fire('canary');
    h.answer(true);
    expect(h.pending('deploy')).toMatchObject({ app: 'web', role: 'canary' });
    expect(calls(h.log, 'confirm-rollout')).toHaveLength(3);
    // every call has its own op id
    expect(new Set(calls(h.log, 'confirm-rollout').map((c) => c.opId)).size).toBe(3);
    const story = h.explain();
    // told once when it began waiting, once when confirmed
    expect(story.match(/waits: waiting for confirm-rollout webhook "start gate"/g)).toHaveLength(1);
    expect(story).toContain('confirm-rollout webhook "start gate" confirmed');
  });

  it('pre-rollout: called after the deploy, before any traffic; failures count toward the threshold, then roll back', () => {
    const h = new Recorded(plan([hook('pre-rollout', 'smoke')], { failure_limit: 1 }));
    h.ok('deploy');
    expect(h.hasPending('set_traffic')).toBe(false);
    h.answer(false, 'webhook answered 500: tests failed');
    expect(h.stage('canary').status).toBe('running');
    expect(h.stage('canary').waitingFor).toMatch(/1 of 2 allowed/);
    h.fire('canary');
    h.answer(false, 'webhook answered 500: tests failed');
    expect(h.stage('canary').status).toBe('rolling_back');
    expect(h.stage('canary').error).toMatch(/pre-rollout webhook "smoke" failed 2 time\(s\)/);
    expect(weights(h.log)).toEqual([0]);
    expect(h.explain()).toMatch(/Stage canary is failed: pre-rollout webhook "smoke" failed 2 time\(s\)/);
  });

  it('pre-rollout: a pass sends the first traffic', () => {
    const h = new Recorded(plan([hook('pre-rollout')]));
    h.ok('deploy');
    h.answer(true);
    expect(h.pending('set_traffic')).toMatchObject({ weights: { canary: 10 } });
  });

  it('confirm-traffic-increase: holds the weight while it says no, analysis goes on, the next pass asks again', () => {
    const h = new Recorded(plan([hook('confirm-traffic-increase', 'more')]));
    h.ok('deploy');
    h.ok('set_traffic');
    h.fire('canary');
    h.measure({ error_rate: 0.1 });
    expect(h.call()).toMatchObject({ hook: 'confirm-traffic-increase', phase: 'Progressing' });
    h.answer(false);
    expect(h.hasPending('set_traffic')).toBe(false);
    expect(h.stage('canary').weight).toBe(10);
    expect(h.stage('canary').waitingFor).toMatch(
      /holding 10%: waiting for confirm-traffic-increase webhook "more"/,
    );
    h.fire('canary');
    h.measure({ error_rate: 0.1 });
    h.answer(true);
    expect(h.pending('set_traffic')).toMatchObject({ weights: { canary: 50 } });
    expect(h.explain()).toContain('the canary holds at 10%');
  });

  it('a failed check while held still rolls back', () => {
    const h = new Recorded(plan([hook('confirm-traffic-increase')]));
    h.ok('deploy');
    h.ok('set_traffic');
    h.fire('canary');
    h.measure({ error_rate: 0.1 });
    h.answer(false);
    h.fire('canary');
    h.measure({ error_rate: 5 });
    expect(h.stage('canary').status).toBe('rolling_back');
  });

  it('confirm-promotion: holds at the top weight, keeps measuring, promotes once it says yes', () => {
    const h = new Recorded(plan([hook('confirm-promotion', 'promote gate')]));
    h.ok('deploy');
    h.ok('set_traffic');
    h.fire('canary');
    h.measure({ error_rate: 0.1 });
    h.ok('set_traffic');
    h.fire('canary');
    h.measure({ error_rate: 0.1 });
    expect(h.call()).toMatchObject({ hook: 'confirm-promotion', name: 'promote gate' });
    h.answer(false);
    expect(h.stage('canary').status).toBe('running');
    expect(h.stage('canary').weight).toBe(50);
    h.fire('canary');
    expect(h.pending('measure').kind).toBe('measure');
    h.measure({ error_rate: 0.1 });
    h.answer(false);
    expect(weights(h.log)).toEqual([10, 50]);
    h.fire('canary');
    h.measure({ error_rate: 0.1 });
    h.answer(true);
    expect(h.stage('canary').status).toBe('finishing');
    h.ok('set_traffic');
    h.ok('retire');
    expect(h.state.status).toBe('succeeded');
    expect(weights(h.log)).toEqual([10, 50, 100]);
    expect(calls(h.log, 'confirm-promotion')).toHaveLength(3);
  });

  it('rollback: asked each interval before measuring; a 2xx answer rolls the canary back, with why', () => {
    const h = new Recorded(plan([hook('rollback', 'abort switch')]));
    h.ok('deploy');
    h.ok('set_traffic');
    h.fire('canary');
    expect(h.hasPending('measure')).toBe(false);
    expect(h.call()).toMatchObject({ hook: 'rollback', phase: 'Progressing' });
    h.answer(false, 'webhook answered 404');
    h.measure({ error_rate: 0.1 });
    h.ok('set_traffic');
    h.fire('canary');
    h.answer(true, 'webhook answered 200');
    expect(h.stage('canary').status).toBe('rolling_back');
    expect(h.stage('canary').error).toMatch(
      /rollback webhook "abort switch" answered 2xx: a manual rollback/,
    );
    h.ok('set_traffic');
    h.ok('retire');
    expect(h.state.status).toBe('rolled_back');
    expect(h.explain()).toMatch(/a manual rollback was asked for \(webhook answered 200\)/);
  });

  it('rollback: also asked while a confirm-rollout holds (phase Waiting); a yes ends the wait in a rollback', () => {
    const h = new Recorded(plan([hook('confirm-rollout', 'gate'), hook('rollback', 'abort')]));
    h.answer(false);
    h.fire('canary');
    expect(h.call()).toMatchObject({ hook: 'rollback', phase: 'Waiting' });
    h.answer(false, 'webhook answered 404');
    // no rollback asked: the confirm hook is asked again
    expect(h.call()).toMatchObject({ hook: 'confirm-rollout', name: 'gate' });
    h.answer(false);
    h.fire('canary');
    h.answer(true, 'webhook answered 200');
    expect(h.stage('canary').error).toMatch(/rollback webhook "abort" answered 2xx/);
    // nothing was deployed or routed: nothing to put back
    expect(h.state.status).toBe('rolled_back');
    expect(h.log.some((c) => c.kind === 'deploy' || c.kind === 'set_traffic' || c.kind === 'retire')).toBe(
      false,
    );
  });

  it('post-rollout: told after promotion (Succeeded); a failure is a warning, the result stands', () => {
    const h = new Recorded(plan([hook('post-rollout', 'tell')]));
    h.ok('deploy');
    h.ok('set_traffic');
    h.fire('canary');
    h.measure({ error_rate: 0.1 });
    h.ok('set_traffic');
    h.fire('canary');
    h.measure({ error_rate: 0.1 });
    h.ok('set_traffic');
    h.ok('retire');
    expect(h.state.status).toBe('running');
    expect(h.call()).toMatchObject({ hook: 'post-rollout', phase: 'Succeeded' });
    h.answer(false, 'webhook answered 502');
    expect(h.state.status).toBe('succeeded');
    expect(
      h.log.some(
        (c) =>
          c.kind === 'notify' &&
          c.level === 'warning' &&
          /post-rollout webhook "tell" failed/.test(c.message),
      ),
    ).toBe(true);
  });

  it('post-rollout: told after a rollback (Failed); a failure does not fail the rollback', () => {
    const h = new Recorded(plan([hook('post-rollout', 'tell')]));
    h.ok('deploy');
    h.ok('set_traffic');
    h.fire('canary');
    h.measure({ error_rate: 5 });
    h.ok('set_traffic');
    h.ok('retire');
    expect(h.call()).toMatchObject({ hook: 'post-rollout', phase: 'Failed' });
    h.answer(false, 'webhook could not be reached');
    expect(h.state.status).toBe('rolled_back');
    expect(h.stage('canary').status).toBe('rolled_back');
  });

  it('hooks of one type are asked in order, and all must say yes', () => {
    const h = new Recorded(plan([hook('confirm-rollout', 'a'), hook('confirm-rollout', 'b')]));
    expect(h.call().name).toBe('a');
    h.answer(true);
    expect(h.call().name).toBe('b');
    h.answer(false);
    h.fire('canary');
    expect(h.call().name).toBe('b');
    h.answer(true);
    expect(h.hasPending('deploy')).toBe(true);
  });

  it('event hooks are not awaited by the walk', () => {
    const h = new Recorded(plan([hook('event')]));
    expect(h.pending('deploy').kind).toBe('deploy');
    expect(calls(h.log, 'event')).toHaveLength(0);
  });
});
