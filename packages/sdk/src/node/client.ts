/**
 * `SluiceClient`: evaluates flags in-process with the core engine (the server's own code) on a copy
 * of the environment's flag set, kept current by the server's SDK stream. Fail-static: when the
 * server goes away the last set keeps serving, `status()` says `stale`, and the client reconnects
 * with jittered backoff. Evaluation never throws.
 */
import {
  type EvaluationErrorCode,
  type EvaluationResult,
  evaluate,
  type FlagValueOf,
  type FlagValueType,
  type ImpressionBatch,
} from '@sluice/core/flags';
import { Backoff, type BackoffOptions } from '../stream/backoff.js';
import { describe, readEventStream, StreamRefused } from '../stream/sse.js';
import { readCache, writeCache } from './cache.js';
import {
  changedFlags,
  DeltaGap,
  type FlagState,
  forgetState,
  payloadHead,
  rememberState,
  sharedState,
} from './flag-state.js';
import { ImpressionCounter, type ImpressionStats } from './impressions.js';
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
/** How long one impressions request may take before its counts wait for the next send (ms). */
const IMPRESSIONS_TIMEOUT_MS = 5_000;

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
  private readonly stop = new AbortController();
  private readonly backoff: Backoff;
  private readonly base: string;
  private triedServer = false;
  private cacheWrites: Promise<void> = Promise.resolve();
  private updates: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
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
    this.base = options.url.replace(/\/+$/, '');
    this.backoff = new Backoff(options.backoff);
    if (options.impressions !== false) {
      const interval = options.impressionsIntervalMs ?? 10_000;
      if (!Number.isFinite(interval) || interval < 100)
        throw new Error(`impressionsIntervalMs: ${interval} is not a number of milliseconds ≥ 100`);
      this.impressions = new ImpressionCounter({
        maxTallies: MAX_IMPRESSION_TALLIES,
        send: (batch) => this.sendImpressions(batch),
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
    this.stop.abort(new Error('closed'));
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.impressionsTimer !== undefined) clearInterval(this.impressionsTimer);
    await this.flushImpressions();
  }

  /** One impressions request; rejects when the counts should be kept for the next send. */
  private async sendImpressions(batch: ImpressionBatch): Promise<'sent' | 'refused'> {
    const signal = AbortSignal.timeout(IMPRESSIONS_TIMEOUT_MS);
    // a fetch that ignores its signal must not hold `close()` either
    const timedOut = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
    );
    timedOut.catch(() => {});
    let res: Response;
    try {
      res = await Promise.race([
        (this.options.fetch ?? fetch)(this.target('/api/v1/sdk/impressions'), {
          method: 'POST',
          headers: { ...this.headers(), 'content-type': 'application/json' },
          body: JSON.stringify(batch),
          signal,
        }),
        timedOut,
      ]);
    } catch (error) {
      // no answer in time: the server may have counted the batch, so sending it again could count
      // it twice; it is dropped (counted as dropped). An error before that (refused, reset) keeps it.
      if (signal.aborted) return 'refused';
      throw error;
    }
    const text = await Promise.race([res.text(), timedOut]).catch(() => '');
    if (res.ok) return 'sent';
    // a server that will never take this batch (invalid, or no such endpoint): drop it, don't retry forever
    if (res.status === 400 || res.status === 404 || res.status === 413 || res.status === 422)
      return 'refused';
    throw new Error(`impressions: ${res.status} ${describe(text, res.statusText)}`);
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
      if (this.options.cacheFile) this.saveCache(this.options.cacheFile);
    }
    if (!before) return;
    const flagsChanged = changedFlags(before, next);
    if (flagsChanged.length) this.emit('change', { flagsChanged, version: next.sync.version });
  }

  /** One write at a time, each of the newest set: an older set never lands after a newer one. */
  private saveCache(file: string): void {
    this.cacheWrites = this.cacheWrites.then(() =>
      this.state ? writeCache(file, this.state.sync) : undefined,
    );
  }

  private async refetch(): Promise<void> {
    try {
      const res = await (this.options.fetch ?? fetch)(this.target('/api/v1/sdk/flag-set'), {
        headers: this.headers(),
        signal: this.stop.signal,
      });
      const text = await res.text();
      if (res.status !== 200) throw new StreamRefused(res.status, describe(text, res.statusText));
      await this.update(text, 'server');
    } catch (error) {
      if (this.stop.signal.aborted) return;
      this.failWith(error);
    }
  }

  private becomeReady(): void {
    this.backoff.reset();
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

  private async run(): Promise<void> {
    await this.loadLocal();
    while (!this.stop.signal.aborted) {
      try {
        if (this.options.mode === 'poll') await this.poll();
        else await this.streamOnce();
        // the server ended the stream (restart, shutdown): serve on, reconnect soon
        if (!this.stop.signal.aborted) this.fail(new Error('the server closed the stream'), 'stale');
      } catch (error) {
        if (this.stop.signal.aborted) return;
        this.failWith(error);
      }
      await this.sleep(this.backoff.next());
    }
  }

  /** `error` when the server refuses the token or sends a bad set; `stale` otherwise. */
  private failWith(error: unknown): void {
    const refused = error instanceof StreamRefused && (error.status === 401 || error.status === 403);
    this.fail(
      error instanceof Error ? error : new Error(String(error)),
      refused || isBadSet(error) ? 'error' : 'stale',
    );
  }

  private async loadLocal(): Promise<void> {
    const sources: [string, () => Promise<unknown>][] = [];
    if (this.options.bootstrap !== undefined) {
      const b = this.options.bootstrap;
      sources.push(['bootstrap', async () => (typeof b === 'string' ? readCache(b) : b)]);
    }
    if (this.options.cacheFile) {
      const file = this.options.cacheFile;
      sources.push(['cache', () => readCache(file)]);
    }
    for (const [, read] of sources) {
      try {
        const payload = await read();
        if (payload !== undefined) await this.update(payload, 'bootstrap');
      } catch (error) {
        this.problem = error instanceof Error ? error : new Error(String(error));
      }
    }
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.options.token}` };
  }

  private target(path: string): string {
    const env = this.options.environment;
    return `${this.base}${path}${env ? `?environment=${encodeURIComponent(env)}` : ''}`;
  }

  /**
   * One connection. Updates compile after the event that carried them (see `update`); a bad one
   * ends the connection with its error, as a bad frame does, or is reported when the stream has
   * already ended.
   */
  private async streamOnce(): Promise<void> {
    const connection = new AbortController();
    let open = true;
    const failed = (error: unknown) => {
      if (error instanceof DeltaGap) void this.refetch();
      else if (this.stop.signal.aborted) return;
      else if (open) connection.abort(error instanceof Error ? error : new Error(String(error)));
      else this.failWith(error);
    };
    try {
      await readEventStream({
        url: this.target('/api/v1/sdk/stream'),
        headers: this.headers(),
        signal: AbortSignal.any([this.stop.signal, connection.signal]),
        idleTimeoutMs: this.options.idleTimeoutMs ?? 45_000,
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
        onEvent: (event) => {
          if (event.event === 'flag-set') this.update(event.data, 'server').catch(failed);
          else if (event.event === 'flag-set-delta') this.update(event.data, 'server', 'delta').catch(failed);
          else if (event.event === 'closed')
            throw new StreamRefused(401, describe(event.data, 'the server closed the stream'));
        },
      });
    } finally {
      open = false;
    }
  }

  private async poll(): Promise<void> {
    let etag: string | undefined;
    for (;;) {
      const res = await (this.options.fetch ?? fetch)(this.target('/api/v1/sdk/flag-set'), {
        headers: { ...this.headers(), ...(etag ? { 'if-none-match': etag } : {}) },
        signal: this.stop.signal,
      });
      if (res.status === 200) {
        await this.update(await res.text(), 'server');
        etag = res.headers.get('etag') ?? undefined;
      } else if (res.status === 304) this.becomeReady();
      else throw new StreamRefused(res.status, describe(await res.text().catch(() => ''), res.statusText));
      await this.sleep(this.options.pollIntervalMs ?? 15_000);
      if (this.stop.signal.aborted) return;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.stop.signal;
      const wake = () => {
        clearTimeout(this.timer);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.timer = setTimeout(wake, ms);
      signal.addEventListener('abort', wake, { once: true });
    });
  }
}

function isBadSet(error: unknown): boolean {
  return error instanceof Error && /^the flag set is not/.test(error.message);
}
