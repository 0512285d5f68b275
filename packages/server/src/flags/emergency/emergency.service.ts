/**
 * Emergency mode per environment (`sluice emergency stop`): every flag serves its safe variant,
 * flag and experiment writes need admin, rollouts there roll back and none start, until
 * cleared. The state is held in memory for the hot paths (evaluation, response headers) and
 * re-read from the database every few seconds so all replicas converge.
 */
import { defineError } from '@sluice/core';
import { createAuditStore } from '../../audit/audit-store.kysely.js';
import { bumpGeneration } from '../../environments/generation.js';
import { type Executor, inTransaction } from '../../storage/index.js';
import type { EmergencyState } from './emergency.schema.js';
import { createEmergencyStore } from './emergency-store.kysely.js';

export const AlreadyInEmergency = defineError(
  'EMERGENCY_ALREADY_ACTIVE',
  409,
  'The environment is already in emergency mode',
);
export const NotInEmergency = defineError(
  'EMERGENCY_NOT_ACTIVE',
  409,
  'The environment is not in emergency mode',
);

export type EmergencyListener = (state: EmergencyState) => void;

export class EmergencyService {
  private active = new Map<string, EmergencyState>();
  private readonly listeners = new Set<EmergencyListener>();
  private timer: NodeJS.Timeout | undefined;

  private readonly stopHooks: ((trx: Executor, state: EmergencyState) => Promise<void>)[] = [];

  constructor(
    private readonly db: Executor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Runs `hook` inside every emergency stop's transaction (the notifications outbox). */
  onStop(hook: (trx: Executor, state: EmergencyState) => Promise<void>): void {
    this.stopHooks.push(hook);
  }

  /** Loads the state and keeps it fresh; call once at start. */
  async start(refreshMs = 2000): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => {}), refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The active emergency of an environment, or null (memory only: safe on hot paths). */
  status(environment: string): EmergencyState | null {
    return this.active.get(environment) ?? null;
  }

  list(): EmergencyState[] {
    return [...this.active.values()];
  }

  onChange(listener: EmergencyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stopEnvironment(
    environment: string,
    reason: string,
    actor: { subject: string; requestId: string | null },
  ): Promise<EmergencyState> {
    const startedAt = this.now().toISOString();
    const state: EmergencyState = { environment, active: true, reason, startedBy: actor.subject, startedAt };
    await inTransaction(this.db, async (trx) => {
      if (
        !(await createEmergencyStore(trx).start({ environment, reason, startedBy: actor.subject, startedAt }))
      ) {
        throw AlreadyInEmergency(`environment "${environment}" is already in emergency mode`);
      }
      await bumpGeneration(trx, environment);
      await createAuditStore(trx).append({
        at: startedAt,
        actor: actor.subject,
        action: 'emergency-stop',
        kind: 'Environment',
        name: environment,
        environment,
        before: null,
        after: state,
        requestId: actor.requestId,
      });
      for (const hook of this.stopHooks) await hook(trx, state);
    });
    await this.refresh();
    return state;
  }

  async clearEnvironment(
    environment: string,
    actor: { subject: string; requestId: string | null },
  ): Promise<EmergencyState> {
    const at = this.now().toISOString();
    await inTransaction(this.db, async (trx) => {
      const cleared = await createEmergencyStore(trx).clear(environment);
      if (!cleared) throw NotInEmergency(`environment "${environment}" is not in emergency mode`);
      await bumpGeneration(trx, environment);
      await createAuditStore(trx).append({
        at,
        actor: actor.subject,
        action: 'emergency-clear',
        kind: 'Environment',
        name: environment,
        environment,
        before: cleared,
        after: null,
        requestId: actor.requestId,
      });
    });
    await this.refresh();
    return { environment, active: false, reason: null, startedBy: null, startedAt: null };
  }

  /** Re-reads the table; announces environments whose state changed. */
  async refresh(): Promise<void> {
    const next = new Map((await createEmergencyStore(this.db).list()).map((s) => [s.environment, s]));
    const changed: EmergencyState[] = [];
    for (const [env, s] of next) if (!this.active.has(env)) changed.push(s);
    for (const env of this.active.keys()) {
      if (!next.has(env))
        changed.push({ environment: env, active: false, reason: null, startedBy: null, startedAt: null });
    }
    this.active = next;
    for (const s of changed) for (const l of this.listeners) l(s);
  }
}
