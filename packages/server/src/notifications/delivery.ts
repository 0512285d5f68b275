/**
 * Sends what the outbox holds: at least once, each request carrying its idempotency key so the
 * receiver drops a repeat. Any replica may run this loop; a row is claimed (outbox-store.ts)
 * before it is sent, so replicas do not send the same row at the same time, and a claim of a
 * replica that died runs out and is taken over. A failed try waits with exponential backoff
 * (jittered, capped); after the notifier's `maxAttempts` the row is a dead letter, visible in
 * `sluice notifier status`.
 */
import { signBody } from '../deploy/signature.js';
import type { SecretResolver } from '../secrets/index.js';
import type { Executor } from '../storage/index.js';
import { bodyFor, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './formats.js';
import type { Notice } from './notices.js';
import type { NotifierSpec } from './notifier.kind.js';
import type { OutboxRow } from './outbox-store.js';
import { createOutboxStore } from './outbox-store.kysely.js';

export interface DeliveryOptions {
  db: Executor;
  /** The Notifier by name, or null when it was deleted. */
  notifier: (name: string) => Promise<NotifierSpec | null>;
  secrets: Pick<SecretResolver, 'resolve'>;
  now: () => Date;
  /** How often the loop looks for due rows when nothing wakes it. */
  tickMs?: number;
  /** Bound of one request. */
  timeoutMs?: number;
  /** First retry delay; doubles each try up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  log?: (message: string, error: unknown) => void;
}

const CLAIM_MS = 60_000;
const BATCH = 20;
/** Delivered and dead rows are kept this long (for `notifier status`), then pruned. */
const RETENTION_MS = 7 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export class OutboxDelivery {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private prunedAt = 0;

  constructor(private readonly options: DeliveryOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Looks for due rows now (after an event stored notices). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over what is due; resolves when it is all tried. */
  async runOnce(): Promise<number> {
    const store = createOutboxStore(this.options.db);
    const now = this.options.now();
    const claimed = await store.claimDue(
      now.toISOString(),
      new Date(now.getTime() + CLAIM_MS).toISOString(),
      BATCH,
    );
    await Promise.all(claimed.map((row) => this.deliver(row)));
    return claimed.length;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.loop().finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        const next = this.again ? 0 : (this.options.tickMs ?? 1000);
        this.again = false;
        this.schedule(next);
      });
    }, ms);
    this.timer.unref?.();
  }

  private async loop(): Promise<void> {
    try {
      const now = this.options.now().getTime();
      if (now - this.prunedAt >= PRUNE_EVERY_MS) {
        this.prunedAt = now;
        await createOutboxStore(this.options.db).prune(new Date(now - RETENTION_MS).toISOString());
      }
      // a full batch means more may be due
      while (!this.stopped && (await this.runOnce()) === BATCH);
    } catch (error) {
      this.options.log?.('delivering notifications failed', error);
    }
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const store = createOutboxStore(this.options.db);
    const spec = await this.options.notifier(row.notifier);
    const attempts = row.attempts + 1;
    if (!spec) {
      await store.failed(row.key, {
        attempts,
        nextAt: row.nextAt,
        error: `notifier ${row.notifier} no longer exists`,
        dead: true,
      });
      return;
    }
    const error = await this.send(spec, row);
    const now = this.options.now();
    if (error === null) {
      await store.delivered(row.key, now.toISOString());
      return;
    }
    const base = this.options.backoffMs ?? 2000;
    const cap = this.options.maxBackoffMs ?? 300_000;
    const delay = Math.min(cap, base * 2 ** (attempts - 1)) * (0.75 + Math.random() * 0.5);
    await store.failed(row.key, {
      attempts,
      nextAt: new Date(now.getTime() + delay).toISOString(),
      error,
      dead: attempts >= spec.maxAttempts,
    });
  }

  /** null when the receiver took it (2xx), else why not. */
  private async send(spec: NotifierSpec, row: OutboxRow): Promise<string | null> {
    try {
      const url = typeof spec.url === 'string' ? spec.url : this.options.secrets.resolve(spec.url);
      const notice = JSON.parse(row.payload) as Notice;
      const body = JSON.stringify(bodyFor(spec.type, notice, row.key));
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        [IDEMPOTENCY_HEADER]: row.key,
      };
      if (spec.type === 'webhook') {
        const timestamp = Math.floor(this.options.now().getTime() / 1000);
        headers[TIMESTAMP_HEADER] = String(timestamp);
        if (spec.signingSecret)
          headers[SIGNATURE_HEADER] = signBody(
            this.options.secrets.resolve(spec.signingSecret),
            timestamp,
            body,
          );
      }
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await res.body?.cancel();
      return res.ok ? null : `the receiver answered ${res.status}`;
    } catch (error) {
      return (error as Error).message ?? String(error);
    }
  }
}
