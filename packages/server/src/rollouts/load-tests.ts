/**
 * Runs a Flagger canary's load tests (`LoadTest`, parsed from its hey line by the core — never
 * a shell) with Sluice's bounded generator (`@sluice/router/load`), through the embedded
 * router with the canary's host, round after round while the run is live, as Flagger's
 * load tester does on every iteration. Never more than one loop per run and test.
 */
import type { LoadTest } from '@sluice/core/rollouts';
import { isTerminal, type RunStatus } from '@sluice/core/rollouts';
import type { Router } from '@sluice/router';
import { runLoad } from '@sluice/router/load';

type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface LoadTestDeps {
  router: Router | null;
  /** The run's status now; null when it is gone. */
  status(runId: string): Promise<RunStatus | null>;
  log: Log;
  /** How often a live run is looked at (ms). */
  pollMs?: number;
}

/**
 * Requests per second all load tests of this process may send together: the generator runs in
 * the control plane, which also serves every tenant's API and flags (SECURITY.md, Quotas).
 */
export const LOAD_TESTS_TOTAL_RPS = 2000;

export class LoadTests {
  private readonly live = new Map<string, AbortController>();
  private readonly rates = new Map<string, number>();

  constructor(private readonly deps: LoadTestDeps) {}

  /** Starts each test's loop for the run (tests already looping are left alone). */
  start(runId: string, tests: readonly LoadTest[]): void {
    const listen = this.deps.router?.status().listen;
    for (const test of tests) {
      const key = `${runId}\u0000${test.webhook}`;
      if (this.live.has(key)) continue;
      if (!listen) {
        this.deps.log('warn', 'a load test needs the embedded router; it is not run', {
          runId,
          webhook: test.webhook,
        });
        continue;
      }
      const total = [...this.rates.values()].reduce((a, b) => a + b, 0);
      if (total + test.rps > LOAD_TESTS_TOTAL_RPS) {
        this.deps.log('warn', 'a load test would pass the process budget; it is not run', {
          runId,
          webhook: test.webhook,
          rps: test.rps,
          running: total,
          budget: LOAD_TESTS_TOTAL_RPS,
        });
        continue;
      }
      const abort = new AbortController();
      this.live.set(key, abort);
      this.rates.set(key, test.rps);
      void this.loop(runId, test, listen.port, abort.signal).finally(() => {
        if (this.live.get(key) === abort) {
          this.live.delete(key);
          this.rates.delete(key);
        }
      });
    }
  }

  stop(): void {
    for (const abort of this.live.values()) abort.abort();
    this.live.clear();
    this.rates.clear();
  }

  private async loop(runId: string, test: LoadTest, port: number, signal: AbortSignal): Promise<void> {
    const watch = setInterval(() => {
      void this.deps.status(runId).then(
        (s) => {
          if (s === null || isTerminal(s)) this.abort(runId);
        },
        () => undefined,
      );
    }, this.deps.pollMs ?? 1000);
    this.deps.log('info', 'load test started', {
      runId,
      webhook: test.webhook,
      rps: test.rps,
      host: test.host,
    });
    try {
      while (!signal.aborted) {
        const summary = await runLoad({
          url: `http://127.0.0.1:${port}${test.path}`,
          rps: test.rps,
          durationMs: test.durationMs,
          concurrency: test.concurrency,
          method: test.method,
          headers: { host: test.host },
          signal,
        });
        this.deps.log('info', 'load test round done', {
          runId,
          webhook: test.webhook,
          sent: summary.sent,
          ok: summary.ok,
          failed: summary.failed,
        });
      }
    } catch (error) {
      this.deps.log('error', 'load test stopped', { runId, webhook: test.webhook, err: error });
    } finally {
      clearInterval(watch);
    }
  }

  private abort(runId: string): void {
    for (const [key, abort] of this.live)
      if (key.startsWith(`${runId}\u0000`)) {
        abort.abort();
        this.live.delete(key);
        this.rates.delete(key);
      }
  }
}
