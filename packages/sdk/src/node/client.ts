/**
 * `SluiceClient`: evaluates flags in-process with the core engine (the server's own code) on a copy
 * of the environment's flag set, kept current by the server's SDK stream. Fail-static: when the
 * server goes away the last set keeps serving, `status()` says `stale`, and the client reconnects
 * with jittered backoff. Evaluation never throws.
 *
 * This file holds the public surface and the served state; `connection.ts` talks to the server and
 * `local-copy.ts` reads the bootstrap and keeps the cache file.
 */
import {
  type EvaluationErrorCode,
  type EvaluationResult,
  evaluate,
  type FlagValueOf,
  type FlagValueType,
} from '@sluice/core/flags';
import type { BackoffOptions } from '../stream/backoff.js';
import { Connection } from './connection.js';
import {
  changedFlags,
  type FlagState,
  forgetState,
  payloadHead,
  rememberState,
  sharedState,
} from './flag-state.js';
import { ImpressionCounter, type ImpressionStats } from './impressions.js';
import { LocalCopy } from './local-copy.js';
import { inSlices, updateSteps } from './set-updates.js';

/** An evaluation's result; `PROVIDER_NOT_READY` before the first set arrives. */
export type SluiceResult<T> = Omit<EvaluationResult<T>, 'errorCode'> & {
  readonly errorCode?: EvaluationErrorCode | 'PROVIDER_NOT_READY';
};

export type SluiceStatus = 'starting' | 'ready' | 'stale' | 'error';

export interface SluiceClientOptions {
  /** The Sluice server, e.g. `http://127.0.0.1:4200`. */
  url: string;
  /** An `sdk:<env>` token (sent as `Authorization: Bearer`, never in a URL). */
  token: string;
  /** For read/write/admin tokens: the environment to follow. An `sdk:<env>` token uses its own. */
  environment?: string;
  /** `stream` (default): server-sent changes. `poll`: fetch the set every `pollIntervalMs`. */
  mode?: 'stream' | 'poll';
  /** Poll period in `poll` mode (ms). Default 15,000. */
  pollIntervalMs?: number;
  /** A flag set to serve before the server answers: a sync payload, or the path of a file holding one. */
  bootstrap?: unknown;
  /** Keep the last good set in this file and serve it at start when the server is unreachable. */
  cacheFile?: string;
  /** A stream silent this long (ms) is dead; the server's heartbeat comes every 15 s. Default 45,000. */
  idleTimeoutMs?: number;
  backoff?: BackoffOptions;
  fetch?: typeof fetch;
  /**
   * Impressions: evaluation counts per flag, variant and reason (no users, no contexts), sent to
   * the server every `impressionsIntervalMs` and on `close()`. Default on; `false` turns them off.
   */
  impressions?: boolean;
  /** How often impressions are sent (ms). Default 10,000. */
  impressionsIntervalMs?: number;
}

/** Distinct (flag, variant, reason) counted between sends at most; evaluations past it are dropped. */
export const MAX_IMPRESSION_TALLIES = 10_000;

export interface FlagsChanged {
  /** Keys whose answers may have changed. */
  flagsChanged: string[];
  version: number;
}

export interface SluiceClientEvents {
  ready: undefined;
  change: FlagsChanged;
  stale: Error;
  error: Error;
}

type Listener<T> = (payload: T) => void;

export class SluiceClient {
  private state: FlagState | undefined;
  private current: SluiceStatus = 'starting';
  private problem: Error | undefined;
  private readonly listeners: { [E in keyof SluiceClientEvents]: Set<Listener<SluiceClientEvents[E]>> } = {
    ready: new Set(),
    change: new Set(),
    stale: new Set(),
    error: new Set(),
  };
  private readonly connection: Connection;
  private readonly local: LocalCopy;
  private triedServer = false;
  private updates: Promise<void> = Promise.resolve();
  private readonly impressions: ImpressionCounter | undefined;
  private readonly impressionsTimer: ReturnType<typeof setInterval> | undefined;

  /**
   * Starts following the environment at once.
   * @example
   * const client = new SluiceClient({ url: 'http://127.0.0.1:4200', token: process.env.SLUICE_SDK_TOKEN! });
   * await client.waitForReady({ timeoutMs: 5000 });
   * client.value('new_checkout_flow', false, { targetingKey: 'user-1' });
   */
  constructor(readonly options: SluiceClientOptions) {
    if (!/^https?:\/\//.test(options.url)) throw new Error(`url: "${options.url}" is not an http(s) URL`);
    if (!options.token) throw new Error('token: an sdk:<env> token is required');
    this.connection = new Connection(options, {
      apply: (payload, kind) => this.update(payload, 'server', kind),
      ready: () => this.becomeReady(),
      fail: (error, status) => this.fail(error, status),
    });
    this.local = new LocalCopy(options, {
      apply: (payload) => this.update(payload, 'bootstrap'),
      served: () => this.state?.sync,
      unreadable: (error) => {
        this.problem = error;
      },
    });
    if (options.impressions !== false) {
      const interval = options.impressionsIntervalMs ?? 10_000;
      if (!Number.isFinite(interval) || interval < 100)
        throw new Error(`impressionsIntervalMs: ${interval} is not a number of milliseconds ≥ 100`);
      this.impressions = new ImpressionCounter({
        maxTallies: MAX_IMPRESSION_TALLIES,
        send: (batch) => this.connection.sendImpressions(batch),
      });
      this.impressionsTimer = setInterval(() => void this.impressions?.flush(), interval);
      // counting must not keep a process alive that has nothing else to do
      this.impressionsTimer.unref();
    }
    void this.run();
  }

  /**
   * `starting` (nothing to serve yet), `ready` (current with the server), `stale` (serving the
   * last set while the server is unreachable), `error` (the server refuses the token, or sent a set
   * that does not compile; the last set keeps serving).
   * @example
   * if (client.status() === 'stale') log.warn('flags may be out of date', client.lastError());
   */
  status(): SluiceStatus {
    return this.current;
  }

  /**
   * Why the client is `stale` or in `error`.
   * @example
   * client.lastError()?.message;
   */
  lastError(): Error | undefined {
    return this.problem;
  }

  /**
   * The version of the set being served, undefined before the first.
   * @example
   * client.version(); // 42
   */
  version(): number | undefined {
    return this.state?.sync.version;
  }

  /**
   * Resolves once flags are served: current from the server, or a bootstrap/cached set after the
   * server failed to answer. Rejects after `timeoutMs` (default 10,000) with nothing to serve, or
   * when the server refuses the token and there is nothing to serve. Never hangs.
   * @example
   * await client.waitForReady({ timeoutMs: 3000 });
   */
  waitForReady(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const settle = () => {
        if (this.current === 'ready' || (this.state && this.triedServer)) {
          done();
          resolve();
        } else if (this.current === 'error' && !this.state) {
          done();
          reject(this.problem ?? new Error('the Sluice client failed'));
        }
      };
      const timer = setTimeout(() => {
        done();
        if (this.state) resolve();
        else
          reject(
            new Error(`no flag set within ${timeoutMs} ms: ${this.problem?.message ?? 'no answer yet'}`),
          );
      }, timeoutMs);
      const offs = [this.on('ready', settle), this.on('stale', settle), this.on('error', settle)];
      const done = () => {
        clearTimeout(timer);
        for (const off of offs) off();
      };
      settle();
    });
  }

  /**
   * Evaluates a flag with the engine the server uses. Never throws: a missing flag, wrong type or
   * bad context gives `defaultValue` with an error code.
   * @example
   * const { value, variant, reason } = client.evaluate('new_checkout_flow', 'boolean', false, { targetingKey: 'u1' });
   */
  evaluate<K extends FlagValueType>(
    key: string,
    type: K,
    defaultValue: FlagValueOf[K],
    context?: Record<string, unknown>,
  ): SluiceResult<FlagValueOf[K]> {
    const state = this.state;
    if (!state) {
      return {
        value: defaultValue,
        reason: 'ERROR',
        errorCode: 'PROVIDER_NOT_READY',
        errorMessage: 'no flag set yet',
        flagMetadata: {},
      };
    }
    try {
      const result = evaluate(state.set, key, type, defaultValue, context, state.evaluation);
      // a key the set does not have is not counted: random keys cannot grow the tallies
      if (this.impressions !== undefined && result.errorCode !== 'FLAG_NOT_FOUND')
        this.impressions.count(key, result.variant, result.reason);
      return result;
    } catch (error) {
      return {
        value: defaultValue,
        reason: 'ERROR',
        errorCode: 'GENERAL',
        errorMessage: String(error),
        flagMetadata: {},
      };
    }
  }

  /**
   * A flag's value, typed by its default.
   * @example
   * if (client.value('new_checkout_flow', false, { targetingKey: userId })) renderNewCheckout();
   */
  value<T extends boolean | string | number>(
    key: string,
    defaultValue: T,
    context?: Record<string, unknown>,
  ): T {
    const type = typeof defaultValue as 'boolean' | 'string' | 'number';
    return this.evaluate(key, type, defaultValue as never, context).value as T;
  }

  /**
   * Subscribes to `ready`, `change` (`{flagsChanged, version}`), `stale` and `error`; returns the unsubscribe.
   * @example
   * const off = client.on('change', ({ flagsChanged }) => console.log('changed', flagsChanged));
   */
  on<E extends keyof SluiceClientEvents>(event: E, listener: Listener<SluiceClientEvents[E]>): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  /**
   * Sends the impressions counted so far now (they also go every `impressionsIntervalMs` and on
   * `close()`). Never rejects: counts the server did not take wait for the next send.
   * @example
   * await client.flushImpressions();
   */
  flushImpressions(): Promise<void> {
    return this.impressions?.flush() ?? Promise.resolve();
  }

  /**
   * Impressions counted and not yet delivered, dropped (past the bound of distinct flag, variant
   * and reason, or refused by the server as invalid) and delivered, in evaluations.
   * @example
   * client.impressionStats(); // { pending: 12, dropped: 0, delivered: 4051 }
   */
  impressionStats(): ImpressionStats {
    return this.impressions?.stats() ?? { pending: 0, dropped: 0, delivered: 0 };
  }

  /**
   * Stops following the server and sends the impressions counted; evaluation keeps answering
   * from the last set.
   * @example
   * await client.close();
   */
  async close(): Promise<void> {
    this.connection.close();
    if (this.impressionsTimer !== undefined) clearInterval(this.impressionsTimer);
    await this.flushImpressions();
  }

  /**
   * Takes updates one at a time, in the order they came: a delta waits for the set before it to be
   * served. Rejects with what `apply` throws.
   */
  private update(
    payload: unknown,
    from: 'server' | 'bootstrap',
    kind: 'set' | 'delta' = 'set',
  ): Promise<void> {
    const done = this.updates.then(() => this.apply(payload, from, kind));
    this.updates = done.catch(() => {});
    return done;
  }

  /**
   * Applies a whole set or a delta unless it is older than the one served. A delta that does not
   * start from the version served makes the client refetch the whole set. The new state is
   * compiled in slices while the current one serves, then replaces it in one assignment.
   */
  private async apply(payload: unknown, from: 'server' | 'bootstrap', kind: 'set' | 'delta'): Promise<void> {
    const before = this.state;
    const head = typeof payload === 'string' ? payloadHead(payload) : undefined;
    if (before && head && (head.version < before.sync.version || head.digest === before.sync.digest)) {
      if (from === 'server') this.becomeReady();
      return;
    }
    let pending = head ? sharedState(head.id) : undefined;
    if (!pending) {
      pending = inSlices(updateSteps(payload, before, kind));
      if (head) {
        const id = head.id;
        const mine = pending;
        rememberState(id, mine);
        mine.then(
          (s) => {
            if (s?.sync.version !== head.version || s.sync.digest !== head.digest) forgetState(id, mine);
          },
          () => forgetState(id, mine),
        );
      }
    }
    const next = await pending;
    if (!next) {
      if (from === 'server') this.becomeReady();
      return;
    }
    this.state = next;
    if (from === 'server') {
      this.becomeReady();
      this.local.save();
    }
    if (!before) return;
    const flagsChanged = changedFlags(before, next);
    if (flagsChanged.length) this.emit('change', { flagsChanged, version: next.sync.version });
  }

  private becomeReady(): void {
    this.connection.resetBackoff();
    this.problem = undefined;
    if (this.current === 'ready') return;
    this.current = 'ready';
    this.emit('ready', undefined);
  }

  private fail(error: Error, status: 'stale' | 'error'): void {
    this.problem = error;
    this.triedServer = true;
    this.current = status === 'stale' && !this.state ? 'starting' : status;
    this.emit(status, error);
  }

  private emit<E extends keyof SluiceClientEvents>(event: E, payload: SluiceClientEvents[E]): void {
    for (const listener of [...this.listeners[event]]) {
      try {
        (listener as Listener<SluiceClientEvents[E]>)(payload);
      } catch {
        // a listener's failure is its own; the client keeps going
      }
    }
  }

  /** The bootstrap and cache first, then the server until `close()`. */
  private async run(): Promise<void> {
    await this.local.load();
    await this.connection.run();
  }
}
