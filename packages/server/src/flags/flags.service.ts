/** Kill switches and evaluation on the control plane (for `sluice flag kill` and `flag eval`). */
import { defineError, NotFound } from '@sluice/core';
import { type EvaluationResult, evaluate, type FlagValueType, type JsonValue } from '@sluice/core/flags';
import { createAuditStore } from '../audit/audit-store.kysely.js';
import { bumpGeneration } from '../environments/generation.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';
import { type Executor, inTransaction } from '../storage/index.js';
import type { FlagSetCache } from './flag-sets.js';
import type { FlagKill } from './kill-store.js';
import { createKillStore } from './kill-store.kysely.js';

export const FlagAlreadyKilled = defineError('FLAG_ALREADY_KILLED', 409, 'The flag is already killed');
export const FlagNotKilled = defineError('FLAG_NOT_KILLED', 409, 'The flag is not killed');

const DEFAULTS: Record<FlagValueType, JsonValue> = { boolean: false, string: '', number: 0, object: {} };

/** The type a flag's variants hold, so `flag eval` needs no --type. */
function typeOfFlag(variants: Record<string, unknown> | undefined): FlagValueType {
  const first = variants ? Object.values(variants)[0] : undefined;
  if (typeof first === 'boolean' || typeof first === 'string' || typeof first === 'number')
    return typeof first as FlagValueType;
  return 'object';
}

/** More work in a kill's own transaction (the notifications outbox). */
export type KillHook = (trx: Executor, kill: FlagKill) => Promise<void>;

export class FlagsService {
  private readonly killHooks: KillHook[] = [];

  constructor(
    private readonly db: Executor,
    private readonly flagSets: FlagSetCache,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Runs `hook` inside every kill's transaction: it commits or fails with the kill. */
  onKill(hook: KillHook): void {
    this.killHooks.push(hook);
  }

  async kill(
    environment: string,
    flag: string,
    reason: string,
    actor: { subject: string; requestId: string | null },
  ): Promise<FlagKill> {
    const kill: FlagKill = {
      environment,
      flag,
      reason,
      killedBy: actor.subject,
      killedAt: this.now().toISOString(),
    };
    await inTransaction(this.db, async (trx) => {
      await this.requireFlag(trx, environment, flag);
      if (!(await createKillStore(trx).kill(kill)))
        throw FlagAlreadyKilled(`flag "${flag}" is already killed in ${environment}`);
      await bumpGeneration(trx, environment);
      await createAuditStore(trx).append({
        at: kill.killedAt,
        actor: actor.subject,
        action: 'kill',
        kind: 'Flag',
        environment,
        name: flag,
        before: null,
        after: kill,
        requestId: actor.requestId,
      });
      for (const hook of this.killHooks) await hook(trx, kill);
    });
    this.flagSets.invalidate(environment);
    return kill;
  }

  async unkill(
    environment: string,
    flag: string,
    reason: string,
    actor: { subject: string; requestId: string | null },
  ): Promise<FlagKill> {
    const lifted = await inTransaction(this.db, async (trx) => {
      const removed = await createKillStore(trx).unkill(environment, flag);
      if (!removed) throw FlagNotKilled(`flag "${flag}" is not killed in ${environment}`);
      await bumpGeneration(trx, environment);
      await createAuditStore(trx).append({
        at: this.now().toISOString(),
        actor: actor.subject,
        action: 'unkill',
        kind: 'Flag',
        environment,
        name: flag,
        before: removed,
        after: { reason },
        requestId: actor.requestId,
      });
      return removed;
    });
    this.flagSets.invalidate(environment);
    return lifted;
  }

  kills(environment: string): Promise<FlagKill[]> {
    return createKillStore(this.db).list(environment);
  }

  /** Evaluates one flag as an SDK would, with the environment's kill switches and emergency. */
  async evaluate(
    environment: string,
    flag: string,
    requested: FlagValueType | undefined,
    context: Record<string, unknown>,
  ): Promise<EvaluationResult<JsonValue>> {
    const flags = await this.flagSets.get(environment);
    const type = requested ?? typeOfFlag(flags.set.document.flags[flag]?.variants);
    return evaluate(flags.set, flag, type, DEFAULTS[type] as never, context, {
      now: Math.floor(this.now().getTime() / 1000),
      overlay: flags.overlay,
    }) as EvaluationResult<JsonValue>;
  }

  private async requireFlag(trx: Executor, environment: string, flag: string): Promise<void> {
    if (!(await createResourceStore(trx).get('Flag', environment, flag)))
      throw NotFound(`flag "${flag}" does not exist in ${environment}`);
  }
}
