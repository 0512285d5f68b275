/**
 * Scheduled flag changes: created through the API, stored as rows, run by a timer that wakes
 * at the next due time (at most a second apart, so rows other replicas add are seen). A due row
 * is claimed with a conditional UPDATE in the same transaction that writes the flag through the
 * resource machinery (versioned, audited as `schedule:<id>`), so it runs once even with several
 * replicas, and a change due while every server was down runs when the first one starts.
 */
import { randomUUID } from 'node:crypto';
import { Conflict, isSluiceError, NotFound, ValidationFailed } from '@sluice/core';
import type { FlagDefinition } from '@sluice/core/flags';
import { createAuditStore } from '../../audit/audit-store.kysely.js';
import { type Actor, ResourceService } from '../../resources/resources.service.js';
import { type Executor, inTransaction } from '../../storage/index.js';
import { applyScheduledChange } from './apply-change.js';
import { ScheduleNotApplicable, ScheduleNotPending } from './errors.js';
import type { FlagSchedule, ScheduleRequest, ScheduleStatus } from './schedule.schema.js';
import { createScheduleStore } from './schedule-store.js';

export interface FlagSchedulerOptions {
  db: Executor;
  resources: ResourceService;
  now?: () => Date;
  /** Called after a change committed (rebuild the environment's flag set now). */
  onApplied?: (schedule: FlagSchedule) => void;
  log?: (message: string, error?: unknown) => void;
  /** Longest sleep between looks at the table. */
  maxWaitMs?: number;
}

const BATCH = 50;

export class FlagScheduler {
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(private readonly options: FlagSchedulerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async create(
    environment: string,
    flag: string,
    request: ScheduleRequest,
    actor: Actor,
  ): Promise<FlagSchedule> {
    const now = this.now();
    const at = new Date(request.at);
    if (at.getTime() <= now.getTime())
      throw ValidationFailed('the change must be scheduled in the future', {
        fields: [{ path: 'body.at', message: `${request.at} is not after now (${now.toISOString()})` }],
      });
    const resources = this.options.resources;
    const kind = resources.registry.get('Flag');
    const current = await resources.get(kind, environment, flag);
    const applied = applyScheduledChange(current.spec as FlagDefinition, request.set);
    if (!applied.spec)
      throw ValidationFailed(applied.problems.map((p) => `${p.path}: ${p.message}`).join('; '), {
        fields: applied.problems.map((p) => ({ path: `body.${p.path}`, message: p.message })),
      });
    // the checks that need the whole environment (segments, prerequisites), written and rolled
    // back; a problem the flag already had (loaded from a flagd file) stays a warning, a new one
    // is refused, as a PUT would refuse it
    const dryRun = await resources.apply(
      [{ kind, name: flag, environment, spec: applied.spec, source: 'body.set', lenient: true }],
      actor,
      true,
    );
    const [described] = await resources.withStatus(kind, environment, [current]);
    const known = new Set(described?.status?.problems.map((p) => p.message));
    const fresh = (dryRun.results[0]?.warnings ?? []).filter((w) => !known.has(w.replace(/^[^:]*: /, '')));
    if (fresh.length > 0)
      throw ValidationFailed(fresh.join('; '), {
        fields: fresh.map((w) => ({ path: 'body.set', message: w })),
      });
    const schedule: FlagSchedule = {
      id: `fsc_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
      environment,
      flag,
      at: at.toISOString(), // UTC, so text order is time order on both databases
      set: request.set,
      status: 'pending',
      createdAt: now.toISOString(),
      createdBy: actor.subject,
      finishedAt: null,
      reason: null,
      appliedVersion: null,
    };
    await inTransaction(this.options.db, async (trx) => {
      await createScheduleStore(trx).insert(schedule);
      await audit(trx, schedule, 'schedule', actor.subject, actor.requestId, null);
    });
    this.poke();
    return schedule;
  }

  list(filter: { environment: string; status?: ScheduleStatus | undefined; flag?: string | undefined }) {
    return createScheduleStore(this.options.db).list(filter);
  }

  async cancel(environment: string, id: string, actor: Actor): Promise<FlagSchedule> {
    return inTransaction(this.options.db, async (trx) => {
      const store = createScheduleStore(trx);
      const existing = await store.get(id);
      if (!existing || existing.environment !== environment)
        throw NotFound(`no scheduled change ${id} in ${environment}`);
      const at = this.now().toISOString();
      const reason = `cancelled by ${actor.subject}`;
      if (!(await store.finish(id, 'cancelled', { at, reason })))
        throw ScheduleNotPending(
          `scheduled change ${id} is ${existing.status}; only pending changes can be cancelled`,
        );
      const cancelled: FlagSchedule = { ...existing, status: 'cancelled', finishedAt: at, reason };
      await audit(trx, cancelled, 'schedule-cancel', actor.subject, actor.requestId, existing);
      return cancelled;
    });
  }

  /** Runs every change due now; returns those this call finished (applied or failed). */
  async runDue(): Promise<FlagSchedule[]> {
    const done: FlagSchedule[] = [];
    for (;;) {
      const ids = await createScheduleStore(this.options.db).due(this.now().toISOString(), BATCH);
      let progressed = false;
      for (const id of ids) {
        const result = await this.runOne(id);
        if (result) {
          done.push(result);
          progressed = true;
        }
      }
      if (ids.length < BATCH || !progressed) return done;
    }
  }

  /** Runs what is due (changes due while the server was down), then keeps the timer going. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }

  private async tick(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let delay = this.options.maxWaitMs ?? 1000;
    const work = (async () => {
      await this.runDue();
      const next = await createScheduleStore(this.options.db).nextAt();
      // a row still due now failed transiently: it is retried after the full wait, not in a busy loop
      const wait = next ? Date.parse(next) - this.now().getTime() : delay;
      if (wait > 0) delay = Math.min(delay, wait);
    })();
    this.running = work;
    try {
      await work;
    } catch (error) {
      this.options.log?.('running scheduled flag changes failed; retrying', error);
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  /** A new row may be due sooner than the timer's next wake. */
  private poke(): void {
    if (this.stopped || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), 0);
    this.timer.unref();
  }

  private async runOne(id: string): Promise<FlagSchedule | null> {
    const { db, resources } = this.options;
    const at = this.now().toISOString();
    try {
      const applied = await inTransaction(db, async (trx) => {
        const store = createScheduleStore(trx);
        // the claim first: on PostgreSQL it locks the row, so a second replica waits and then finds it taken
        if (!(await store.finish(id, 'applied', { at }))) return null;
        const row = (await store.get(id)) as FlagSchedule;
        const scoped = new ResourceService(trx, resources.registry, this.now);
        const kind = resources.registry.get('Flag');
        const current = await scoped.find(kind, row.environment, row.flag);
        if (!current)
          throw ScheduleNotApplicable(`flag "${row.flag}" no longer exists in ${row.environment}`);
        const next = applyScheduledChange(current.spec as FlagDefinition, row.set);
        if (!next.spec)
          throw ScheduleNotApplicable(next.problems.map((p) => `${p.path}: ${p.message}`).join('; '), {
            fields: next.problems,
          });
        const written = await scoped.put(
          {
            kind,
            name: row.flag,
            environment: row.environment,
            spec: next.spec,
            source: `schedule ${id}`,
            expectedVersion: current.metadata.version,
            lenient: true,
          },
          // the system's own write: the change was checked with its author's scopes when scheduled
          { subject: `schedule:${id}`, requestId: null },
        );
        await store.setAppliedVersion(id, written.resource.metadata.version);
        return {
          ...row,
          status: 'applied',
          finishedAt: at,
          appliedVersion: written.resource.metadata.version,
        } as const;
      });
      if (applied) this.options.onApplied?.(applied);
      return applied;
    } catch (error) {
      // a database hiccup or a concurrent write: the claim rolled back, the next tick retries
      if (!isSluiceError(error) || error.code === Conflict.definition.code) {
        this.options.log?.(`scheduled flag change ${id} could not run; retrying`, error);
        return null;
      }
      // the change does not apply (flag gone, invalid result, emergency mode): nothing was written
      const reason = [error.detail, ...error.fields.map((f) => `${f.path}: ${f.message}`)]
        .filter((s, i, all) => s && all.indexOf(s) === i)
        .join('; ');
      return inTransaction(db, async (trx) => {
        const store = createScheduleStore(trx);
        if (!(await store.finish(id, 'failed', { at, reason }))) return null;
        const failed = (await store.get(id)) as FlagSchedule;
        await audit(trx, failed, 'schedule-failed', `schedule:${id}`, null, null);
        return failed;
      });
    }
  }
}

async function audit(
  trx: Executor,
  schedule: FlagSchedule,
  action: string,
  actor: string,
  requestId: string | null,
  before: FlagSchedule | null,
): Promise<void> {
  await createAuditStore(trx).append({
    at: schedule.finishedAt ?? schedule.createdAt,
    actor,
    action,
    kind: 'Flag',
    environment: schedule.environment,
    name: schedule.flag,
    before,
    after: schedule,
    requestId,
  });
}
