/**
 * Fast rollback: running canaries are judged as the routers push their counts, not only at
 * the next scheduled check. When a canary version's counts move, its stage is measured through
 * the same providers as a `measure` command, and the machine's own transition says whether the
 * reading is decisive (a bound passed with the policy's confidence, or the sequential test
 * crossing). Only then is a `breach` event stored, which fails the stage and rolls it back;
 * anything else stores nothing. One look per stage at a time; looks are counted so each spends
 * its share of α (core/analysis/judge.ts), a count kept in memory: after a restart it starts
 * again, which at worst spends a few looks' α twice.
 */
import { breachDecides, type RunState, type StageWatch, watchedStages } from '@sluice/core/rollouts';
import type { MetricRegistry } from '../analysis/registry.js';
import type { PushedCounts } from '../routing/router-config.service.js';
import type { RunContext } from './command-handler.js';
import type { ServiceWorld } from './handlers/service-world.js';
import { measureApp } from './handlers/services.js';
import type { RunRecord } from './run-store.js';
import type { RolloutRuntime, RuntimeOptions } from './runtime.js';

interface Watched {
  context: RunContext;
  state: RunState;
  watches: StageWatch[];
}

export interface FastRollbackDeps {
  runtime: RolloutRuntime;
  world: ServiceWorld;
  metrics: MetricRegistry;
  now: () => Date;
  log?: RuntimeOptions['log'];
}

export class FastRollback {
  private readonly runs = new Map<string, Watched>();
  /** `run/app` → the route and version its canary is served as. */
  private readonly targets = new Map<string, { route: string; version: string }>();
  private readonly looks = new Map<string, number>();
  private readonly busy = new Set<string>();
  private readonly again = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: FastRollbackDeps) {}

  /** Follows a run's transitions (the runtime's listener) and the runs active at start. */
  track(
    run: Pick<RunRecord, 'id' | 'rollout' | 'environment' | 'startedBy' | 'authority'>,
    state: RunState,
  ): void {
    const watches = watchedStages(state);
    if (watches.length === 0) {
      this.runs.delete(run.id);
      for (const key of this.looks.keys()) if (key.startsWith(`${run.id}/`)) this.looks.delete(key);
      return;
    }
    const context = {
      runId: run.id,
      rollout: run.rollout,
      environment: run.environment,
      startedBy: run.startedBy,
      authority: run.authority,
    };
    this.runs.set(run.id, { context, state, watches });
    for (const w of watches) void this.target(context, w.app);
  }

  /** A router pushed counts: look at every watched stage whose canary they are. */
  onCounts(counts: readonly PushedCounts[]): void {
    if (this.stopped) return;
    const moved = new Set(counts.map((c) => `${c.route}\u0000${c.version}`));
    for (const [runId, w] of this.runs) {
      for (const watch of w.watches) {
        const target = this.targets.get(`${runId}/${watch.app}`);
        if (target && moved.has(`${target.route}\u0000${target.version}`)) this.look(runId, watch.stage);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.inFlight]);
  }

  private async target(run: RunContext, app: string): Promise<void> {
    const key = `${run.runId}/${app}`;
    if (this.targets.has(key)) return;
    try {
      const s = await this.deps.world.resolve(run, app);
      this.targets.set(key, { route: s.route, version: s.canary });
    } catch (error) {
      this.deps.log?.('warn', 'fast rollback cannot watch a service', {
        runId: run.runId,
        app,
        error: String(error),
      });
    }
  }

  private look(runId: string, stage: string): void {
    const key = `${runId}\u0000${stage}`;
    if (this.busy.has(key)) {
      this.again.add(key);
      return;
    }
    this.busy.add(key);
    const work = (async () => {
      try {
        do {
          this.again.delete(key);
          await this.judge(runId, stage);
        } while (this.again.has(key) && !this.stopped);
      } catch (error) {
        this.deps.log?.('warn', 'a fast check failed', { runId, stage, error: String(error) });
      } finally {
        this.busy.delete(key);
      }
    })();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async judge(runId: string, stage: string): Promise<void> {
    const before = this.runs.get(runId);
    const watch = before?.watches.find((w) => w.stage === stage);
    if (!before || !watch) return;
    const data = await measureApp(this.deps.world, this.deps.metrics, before.context, {
      app: watch.app,
      role: watch.role,
      stage,
      metrics: watch.thresholds.map((t) => t.metric),
      windowMs: watch.windowMs,
      now: this.deps.now(),
      calls: false,
    });
    const current = this.runs.get(runId);
    if (!current?.watches.some((w) => w.stage === stage && w.attempt === watch.attempt)) return;
    const looksKey = `${runId}/${stage}#${watch.attempt}`;
    const looks = this.looks.get(looksKey) ?? 0;
    this.looks.set(looksKey, looks + 1);
    if (!breachDecides(current.state, stage, data, looks, this.deps.now().getTime())) return;
    this.deps.log?.('warn', 'decisive canary failure between checks: rolling back', { runId, stage });
    await this.deps.runtime.send(runId, { type: 'breach', stage, data, looks }, 'router counts');
  }
}
