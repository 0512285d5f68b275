/**
 * The client's link to the server: connects, follows the SDK stream (or polls), reconnects after
 * jittered backoff, refetches the whole set after a delta gap, and sends impressions. It holds no
 * flag set: what the server sends, and how the link is doing, go to the client through
 * `ConnectionHost`.
 */
import type { ImpressionBatch } from '@sluice/core/flags';
import { Backoff } from '../stream/backoff.js';
import { describe, readEventStream, StreamRefused } from '../stream/sse.js';
import type { SluiceClientOptions } from './client.js';
import { DeltaGap } from './flag-state.js';

/** How long one impressions request may take before its counts wait for the next send (ms). */
const IMPRESSIONS_TIMEOUT_MS = 5_000;

export type ConnectionOptions = Pick<
  SluiceClientOptions,
  'url' | 'token' | 'environment' | 'mode' | 'pollIntervalMs' | 'idleTimeoutMs' | 'backoff' | 'fetch'
>;

/** What the connection reports to the client that owns it. */
export interface ConnectionHost {
  /**
   * Serves a set or delta the server sent, after those before it. Rejects when it does not apply;
   * a `DeltaGap` makes the connection refetch the whole set.
   */
  apply(payload: unknown, kind: 'set' | 'delta'): Promise<void>;
  /** The server says the set served is current (a poll answered 304). */
  ready(): void;
  /** The server is unreachable (`stale`), or refuses the token or sent a bad set (`error`). */
  fail(error: Error, status: 'stale' | 'error'): void;
}

export class Connection {
  private readonly stop = new AbortController();
  private readonly backoff: Backoff;
  private readonly base: string;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly host: ConnectionHost,
  ) {
    this.base = options.url.replace(/\/+$/, '');
    this.backoff = new Backoff(options.backoff);
  }

  /** Follows the server until `close()`: one connection (or poll loop) after another, backoff between. */
  async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        if (this.options.mode === 'poll') await this.poll();
        else await this.streamOnce();
        // the server ended the stream (restart, shutdown): serve on, reconnect soon
        if (!this.stop.signal.aborted) this.host.fail(new Error('the server closed the stream'), 'stale');
      } catch (error) {
        if (this.stop.signal.aborted) return;
        this.failWith(error);
      }
      await this.sleep(this.backoff.next());
    }
  }

  /** The server answered well: the next failure waits the shortest delay again. */
  resetBackoff(): void {
    this.backoff.reset();
  }

  /** Stops the loop and any request or sleep in progress; impressions can still be sent. */
  close(): void {
    this.stop.abort(new Error('closed'));
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  /** One impressions request; rejects when the counts should be kept for the next send. */
  async sendImpressions(batch: ImpressionBatch): Promise<'sent' | 'refused'> {
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

  private async refetch(): Promise<void> {
    try {
      const res = await (this.options.fetch ?? fetch)(this.target('/api/v1/sdk/flag-set'), {
        headers: this.headers(),
        signal: this.stop.signal,
      });
      const text = await res.text();
      if (res.status !== 200) throw new StreamRefused(res.status, describe(text, res.statusText));
      await this.host.apply(text, 'set');
    } catch (error) {
      if (this.stop.signal.aborted) return;
      this.failWith(error);
    }
  }

  /** `error` when the server refuses the token or sends a bad set; `stale` otherwise. */
  private failWith(error: unknown): void {
    const refused = error instanceof StreamRefused && (error.status === 401 || error.status === 403);
    this.host.fail(
      error instanceof Error ? error : new Error(String(error)),
      refused || isBadSet(error) ? 'error' : 'stale',
    );
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.options.token}` };
  }

  private target(path: string): string {
    const env = this.options.environment;
    return `${this.base}${path}${env ? `?environment=${encodeURIComponent(env)}` : ''}`;
  }

  /**
   * One connection. Updates compile after the event that carried them (see `ConnectionHost.apply`);
   * a bad one ends the connection with its error, as a bad frame does, or is reported when the
   * stream has already ended.
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
          if (event.event === 'flag-set') this.host.apply(event.data, 'set').catch(failed);
          else if (event.event === 'flag-set-delta') this.host.apply(event.data, 'delta').catch(failed);
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
        await this.host.apply(await res.text(), 'set');
        etag = res.headers.get('etag') ?? undefined;
      } else if (res.status === 304) this.host.ready();
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

/** The messages `flag-state` and `set-updates` throw for a payload that is not a flag set. */
function isBadSet(error: unknown): boolean {
  return error instanceof Error && /^the flag set is not/.test(error.message);
}
