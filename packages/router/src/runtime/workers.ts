/**
 * Worker processes, so one router uses more than one core (`workers` > 1). The primary accepts
 * client connections and hands each to the next worker in turn (node:cluster's round-robin,
 * without cluster's process-wide settings, so an embedding process keeps its own). The
 * primary keeps the configuration, health checks and metrics: every snapshot and health change
 * goes to every worker, and workers send each request's outcome back in batches, so the
 * per-version figures (and the counts feed fast rollback acts on) are the sum of all workers.
 */
import { type ChildProcess, fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { ValidationFailed } from '@sluice/core/errors';
import type { RouterSnapshot } from '../config/index.js';
import type { RouterMetrics } from '../telemetry/index.js';
import { listen } from './serve.js';
import type { ListenOptions, Logger } from './types.js';
import type { FromWorker, OutcomeBatch, ToWorker, UnhealthyKeys, WorkerSettings } from './worker-protocol.js';

export const MAX_WORKERS = 64;

/** `workers` as given (option, flag or setting), checked: a whole number from 1 to 64. */
export function checkWorkers(value: unknown, field = 'workers'): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_WORKERS)
    return value;
  const message = `must be a whole number from 1 to ${MAX_WORKERS} (got ${JSON.stringify(value)})`;
  throw ValidationFailed(`${field} ${message}`, { fields: [{ path: field, message }] });
}

/** How long applyConfig waits for every worker to confirm a snapshot. */
const APPLY_WAIT_MS = 5_000;
/** A worker that died is started again after this long (not in a tight loop). */
const RESPAWN_MS = 1_000;

export interface WorkerInfo {
  pid: number;
  /** Client connections handed to it. */
  connections: number;
  /** Requests (shadow copies included) it reported. */
  requests: number;
}

interface Worker extends WorkerInfo {
  child: ChildProcess;
}

/** The worker entry beside this file: compiled JavaScript, or TypeScript under tsx (tests). */
function workerEntry(): { path: string; execArgv: string[] } {
  const own = fileURLToPath(import.meta.url);
  if (own.endsWith('.ts')) {
    return {
      path: own.replace(/workers\.ts$/, 'worker.ts'),
      execArgv: ['--import', 'tsx', '--conditions', 'sluice-source'],
    };
  }
  return { path: own.replace(/workers\.js$/, 'worker.js'), execArgv: [] };
}

export class WorkerGroup {
  private readonly workers: Worker[] = [];
  private readonly acceptor = net.createServer({ pauseOnConnect: true }, (socket) => this.handOver(socket));
  private turn = 0;
  private seq = 0;
  private snapshot: RouterSnapshot | null = null;
  private unhealthy: UnhealthyKeys = [];
  private readonly pending = new Map<number, { waiting: Set<ChildProcess>; done: () => void }>();
  private closing = false;

  constructor(
    private readonly count: number,
    private readonly settings: WorkerSettings,
    private readonly metrics: RouterMetrics,
    private readonly log: Logger,
  ) {}

  /** Starts the workers, then listens. */
  async start(
    snapshot: RouterSnapshot | null,
    unhealthy: UnhealthyKeys,
    at: ListenOptions,
  ): Promise<{ host: string; port: number }> {
    this.snapshot = snapshot;
    this.unhealthy = unhealthy;
    try {
      await Promise.all(Array.from({ length: this.count }, () => this.spawn()));
      return await listen(this.acceptor, at);
    } catch (err) {
      await this.close(0);
      throw err;
    }
  }

  info(): WorkerInfo[] {
    return this.workers.map(({ pid, connections, requests }) => ({ pid, connections, requests }));
  }

  /** Sends a snapshot to every worker; resolves once all have it (or after APPLY_WAIT_MS). */
  applyConfig(snapshot: RouterSnapshot): Promise<void> {
    this.snapshot = snapshot;
    const seq = ++this.seq;
    const targets = this.workers.filter((w) => w.child.connected);
    if (targets.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(seq)) return;
        this.log('warn', 'a router worker did not confirm a configuration in time', { seq });
        resolve();
      }, APPLY_WAIT_MS);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(seq);
        resolve();
      };
      this.pending.set(seq, { waiting: new Set(targets.map((w) => w.child)), done });
      for (const w of targets) this.send(w.child, { type: 'config', seq, snapshot });
    });
  }

  setHealth(unhealthy: UnhealthyKeys): void {
    this.unhealthy = unhealthy;
    for (const w of this.workers) this.send(w.child, { type: 'health', unhealthy });
  }

  /** Stops accepting, lets each worker finish its requests (up to graceMs), then ends them. */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.acceptor.listening) this.acceptor.close();
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
            const kill = setTimeout(() => w.child.kill('SIGKILL'), graceMs + 5_000);
            w.child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            if (!this.send(w.child, { type: 'close', graceMs })) w.child.kill('SIGKILL');
          }),
      ),
    );
  }

  private send(child: ChildProcess, msg: ToWorker, handle?: net.Socket): boolean {
    if (!child.connected) return false;
    child.send(msg, handle, { keepOpen: false }, (err) => {
      if (err) handle?.destroy();
    });
    return true;
  }

  private handOver(socket: net.Socket): void {
    for (let tried = 0; tried < this.workers.length; tried++) {
      const w = this.workers[this.turn++ % this.workers.length] as Worker;
      if (this.send(w.child, { type: 'connection' }, socket)) {
        w.connections++;
        return;
      }
    }
    socket.destroy();
  }

  private spawn(): Promise<void> {
    const entry = workerEntry();
    const child = fork(entry.path, [], {
      execArgv: entry.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker: Worker = { child, pid: child.pid ?? 0, connections: 0, requests: 0 };
    this.workers.push(worker);
    return new Promise((resolve, reject) => {
      child.on('message', (msg: FromWorker) => {
        if (msg.type === 'outcomes') this.recordBatch(worker, msg);
        else if (msg.type === 'applied') this.acknowledge(msg.seq, child);
        else if (msg.type === 'ready') resolve();
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        reject(new Error(`router worker ${worker.pid} exited before it was ready (${signal ?? code})`));
        this.workers.splice(this.workers.indexOf(worker), 1);
        for (const seq of [...this.pending.keys()]) this.acknowledge(seq, child);
        if (this.closing) return;
        this.log('error', 'a router worker exited; starting another', { pid: worker.pid, code, signal });
        setTimeout(() => {
          if (!this.closing) this.spawn().catch(() => {});
        }, RESPAWN_MS).unref();
      });
      this.send(child, {
        type: 'init',
        settings: this.settings,
        snapshot: this.snapshot,
        unhealthy: this.unhealthy,
      });
    });
  }

  private acknowledge(seq: number, child: ChildProcess): void {
    const p = this.pending.get(seq);
    if (!p) return;
    p.waiting.delete(child);
    if (p.waiting.size === 0) p.done();
  }

  private recordBatch(worker: Worker, batch: OutcomeBatch): void {
    const { metrics } = this;
    for (const [route, version, n] of batch.series) {
      for (let i = 0; i + 3 < n.length; i += 4) {
        const outcome = { status: n[i] as number, seconds: n[i + 1] as number, shadow: n[i + 3] === 1 };
        metrics.record(route, version, outcome, n[i + 2] as number);
        worker.requests++;
      }
    }
    for (const [
      route,
      primary,
      shadow,
      primaryStatus,
      shadowStatus,
      primarySeconds,
      shadowSeconds,
      at,
    ] of batch.mirrors) {
      const comparison = { primaryStatus, shadowStatus, primarySeconds, shadowSeconds };
      metrics.compareMirror(route, primary, shadow, comparison, at < 0 ? undefined : at);
    }
    for (const [route, primary, shadow] of batch.skips) metrics.skipMirror(route, primary, shadow);
  }
}
