/** Reconnection delays: exponential with full jitter, so a thousand SDKs cut off together do not return together. */
export interface BackoffOptions {
  /** First delay (ms). Default 250. */
  initialMs?: number;
  /** Largest delay (ms). Default 30,000. */
  maxMs?: number;
}

export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(
    options: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.initialMs = options.initialMs ?? 250;
    this.maxMs = options.maxMs ?? 30_000;
  }

  /** The next delay: between half and all of initial × 2^attempt, capped. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 20));
    this.attempt++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}
