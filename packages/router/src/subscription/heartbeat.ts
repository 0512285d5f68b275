import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../runtime/types.js';

export interface HeartbeatBody {
  adminUrl: string | null;
  configVersion: number;
  health: Record<string, unknown>;
}

export interface HeartbeatOptions {
  controlPlaneUrl: string;
  token: string;
  routerId: string;
  intervalMs?: number;
  body: () => HeartbeatBody;
  log?: Logger;
}

export function heartbeatPath(routerId: string): string {
  return `/api/v1/routers/${encodeURIComponent(routerId)}/heartbeat`;
}

export function countsPath(routerId: string): string {
  return `/api/v1/routers/${encodeURIComponent(routerId)}/counts`;
}

/** Sends one heartbeat; resolves to the HTTP status (0 when the control plane is unreachable). */
export function sendHeartbeat(options: HeartbeatOptions, timeoutMs = 5_000): Promise<number> {
  return postJson(
    new URL(heartbeatPath(options.routerId), options.controlPlaneUrl),
    options.token,
    options.body(),
    timeoutMs,
  );
}

/** POSTs a JSON body with the router's token; resolves to the status (0: no answer). */
export function postJson(url: URL, token: string, body: unknown, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const payload = JSON.stringify(body);
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(url, {
      method: 'POST',
      agent: false,
      timeout: timeoutMs,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      },
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.end(payload);
  });
}

/** Registers the router and reports its state every few seconds (one request at a time). */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private inFlight = false;
  private again = false;
  lastStatus: number | null = null;

  constructor(private readonly options: HeartbeatOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.beatNow();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Reports at once (e.g. on a health change) instead of at the next interval. */
  beatNow(): void {
    if (this.stopped) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    void this.beat();
  }

  private async beat(): Promise<void> {
    this.inFlight = true;
    const status = await sendHeartbeat(this.options);
    this.inFlight = false;
    if (status !== this.lastStatus && (status < 200 || status >= 300)) {
      this.options.log?.('warn', 'heartbeat not accepted', { status });
    }
    this.lastStatus = status;
    if (this.stopped) return;
    if (this.again) {
      this.again = false;
      void this.beat();
      return;
    }
    this.timer = setTimeout(() => void this.beat(), this.options.intervalMs ?? 5_000);
    this.timer.unref();
  }
}
