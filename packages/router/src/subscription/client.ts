import http from 'node:http';
import https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import type { Logger } from '../runtime/types.js';
import { Backoff } from './backoff.js';

export const STREAM_PATH = '/api/v1/router-config/stream';

export interface SubscriptionOptions {
  controlPlaneUrl: string;
  token: string;
  /** Applies one snapshot (parsed JSON); throws when it is refused. */
  onSnapshot: (snapshot: unknown) => Promise<unknown>;
  log?: Logger;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Reconnect when nothing (not even a heartbeat comment) arrived for this long. */
  idleTimeoutMs?: number;
  random?: () => number;
  now?: () => number;
}

export interface SubscriptionState {
  connected: boolean;
  connects: number;
  lastSnapshotAt: number | null;
  lastError: string | null;
}

/**
 * Follows the control plane's configuration stream. Snapshots are applied one at a time in
 * arrival order (the router itself ignores older versions). When the stream drops or goes
 * silent it reconnects with backoff; the router keeps serving what it has meanwhile.
 */
export class ConfigSubscription {
  private readonly backoff: Backoff;
  private request: http.ClientRequest | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private applying: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly log: Logger;
  readonly state: SubscriptionState = {
    connected: false,
    connects: 0,
    lastSnapshotAt: null,
    lastError: null,
  };

  constructor(private readonly options: SubscriptionOptions) {
    this.backoff = new Backoff(
      options.initialBackoffMs ?? 500,
      options.maxBackoffMs ?? 30_000,
      options.random,
    );
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => {});
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Stops following; resolves once any snapshot being applied is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.idleTimer);
    this.request?.destroy();
    this.request = undefined;
    this.state.connected = false;
    await this.applying;
  }

  private connect(): void {
    if (this.stopped) return;
    const url = new URL(STREAM_PATH, this.options.controlPlaneUrl);
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.get(url, {
      agent: false,
      headers: { accept: 'text/event-stream', authorization: `Bearer ${this.options.token}` },
    });
    this.request = req;
    this.armIdle(req);
    req.on('error', (err: NodeJS.ErrnoException) => this.dropped(req, err.code ?? err.message));
    req.on('response', (res) => {
      const type = res.headers['content-type'] ?? '';
      if (res.statusCode !== 200 || !type.startsWith('text/event-stream')) {
        res.resume();
        this.dropped(req, `stream answered ${res.statusCode} ${type}`);
        return;
      }
      this.state.connected = true;
      this.state.connects++;
      this.log('info', 'connected to the control plane', { url: url.toString() });
      const decoder = new StringDecoder('utf8');
      // comments (the control plane's heartbeats) only keep the idle timer armed, as any data does
      const parser = createParser({
        onEvent: (event) => {
          if (event.event === 'snapshot') this.enqueue(event.data);
        },
      });
      res.on('data', (chunk: Buffer) => {
        this.armIdle(req);
        parser.feed(decoder.write(chunk));
      });
      res.on('end', () => this.dropped(req, 'stream ended'));
      res.on('error', (err) => this.dropped(req, err.message));
      res.on('close', () => this.dropped(req, 'stream closed'));
    });
  }

  private armIdle(req: http.ClientRequest): void {
    clearTimeout(this.idleTimer);
    const ms = this.options.idleTimeoutMs ?? 60_000;
    this.idleTimer = setTimeout(() => {
      req.destroy();
      this.dropped(req, `no data for ${ms} ms`);
    }, ms);
    this.idleTimer.unref();
  }

  private dropped(req: http.ClientRequest, reason: string): void {
    // Several events report one drop; only the current request's first one counts.
    if (req !== this.request || this.stopped) return;
    this.request = undefined;
    req.destroy();
    clearTimeout(this.idleTimer);
    const wasConnected = this.state.connected;
    this.state.connected = false;
    this.state.lastError = reason;
    // A stream that was up starts the backoff over; repeated failures to connect grow it.
    if (wasConnected) this.backoff.reset();
    const delay = this.backoff.next();
    this.log('warn', 'control plane stream lost; serving the last configuration', {
      reason,
      retryInMs: delay,
    });
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.retryTimer.unref();
  }

  private enqueue(data: string): void {
    this.applying = this.applying.then(async () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        this.state.lastError = 'snapshot is not JSON';
        this.log('error', 'control plane sent a snapshot that is not JSON');
        return;
      }
      try {
        await this.options.onSnapshot(parsed);
        this.state.lastSnapshotAt = this.now();
      } catch (err) {
        this.state.lastError = err instanceof Error ? err.message : String(err);
        this.log('error', 'snapshot refused; keeping the current configuration', {
          error: this.state.lastError,
        });
      }
    });
  }
}
