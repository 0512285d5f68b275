/**
 * `set_flag` and `restore_flag`: a feature_flag stage writes its flag through the resource
 * machinery (versioned, audited, actor `rollout:<run>`, with its starter's scopes), and a rollback puts back the exact
 * version that existed before the stage. What the stage wrote and what it replaced is recorded
 * in the rollout's own table (`flag-write-store.ts`) in the same transaction as the write — never
 * in the flag, whose metadata OFREP hands to every client — so a command replayed after a crash
 * finds its own write, and a rollback finds the spec to put back without reading the audit log.
 */
import type { CommandOf } from '@sluice/core/rollouts';
import { createAuditStore } from '../../audit/audit-store.kysely.js';
import type { KindRegistry } from '../../resources/registry.js';
import type { ResourceService } from '../../resources/resources.service.js';
import type { Executor } from '../../storage/index.js';
import type { CommandHandler } from '../command-handler.js';
import { createFlagWriteStore } from '../flag-write-store.kysely.js';
import { runActor } from '../run-authority.js';

/** Where runs started before the write table kept their op (flag metadata); read, never written. */
const LEGACY_OP_KEY = 'sluice.rolloutOp';
const LEGACY_PREVIOUS_KEY = 'sluice.previousVersion';

export function flagHandlers(deps: { db: Executor; resources: ResourceService; registry: KindRegistry }) {
  const flagKind = () => deps.registry.get('Flag');
  const writes = createFlagWriteStore(deps.db);
  const actor = runActor;

  const setFlag: CommandHandler<'set_flag'> = async (command: CommandOf<'set_flag'>, run) => {
    const environment = command.environment ?? run.environment;
    const done = await writes.byOp(command.opId);
    if (done) return { ok: true, data: { previousVersion: done.previousVersion, replayed: true } };
    const current = await deps.resources.find(flagKind(), environment, command.flagKey);
    const meta = (current?.spec as { metadata?: Record<string, unknown> } | undefined)?.metadata ?? {};
    if (meta[LEGACY_OP_KEY] === command.opId) {
      // written by this op before the upgrade: its previous version is in the flag
      const previous = Number(meta[LEGACY_PREVIOUS_KEY]);
      return { ok: true, data: { previousVersion: previous < 0 ? null : previous, replayed: true } };
    }
    const existing = (current?.spec ?? {}) as Record<string, unknown>;
    const spec: Record<string, unknown> = {
      // keep what the stage does not own (description, owner, tags, safe variant)
      ...Object.fromEntries(
        Object.entries(existing).filter(([k]) => ['description', 'owner', 'tags', 'safeVariant'].includes(k)),
      ),
      ...command.flag,
    };
    if (spec.safeVariant !== undefined && !Object.hasOwn(command.flag.variants, spec.safeVariant as string))
      delete spec.safeVariant;
    let previousVersion: number | null = null;
    const outcome = await deps.resources.put(
      {
        kind: flagKind(),
        name: command.flagKey,
        environment,
        spec: flagKind().spec.parse(spec),
        source: command.opId,
      },
      actor(run),
      {
        // the version replaced is the one the write found, read in its own transaction
        alongside: async (trx, { before, after }) => {
          previousVersion = before?.metadata.version ?? null;
          await createFlagWriteStore(trx).record({
            opId: command.opId,
            runId: run.runId,
            environment,
            flag: command.flagKey,
            version: after.metadata.version,
            previousVersion,
            previousSpec: before?.spec ?? null,
            at: new Date().toISOString(),
          });
        },
      },
    );
    return {
      ok: true,
      data: { previousVersion, version: outcome.resource.metadata.version, percentage: command.percentage },
    };
  };

  const restoreFlag: CommandHandler<'restore_flag'> = async (command: CommandOf<'restore_flag'>, run) => {
    const environment = command.environment ?? run.environment;
    const current = await deps.resources.find(flagKind(), environment, command.flagKey);
    if (command.toVersion === null) {
      if (current)
        await deps.resources.delete(flagKind(), environment, command.flagKey, undefined, actor(run));
      return { ok: true, data: { deleted: Boolean(current) } };
    }
    if (current?.metadata.version === command.toVersion)
      return { ok: true, data: { version: command.toVersion } };
    const recorded = await writes.specBefore(run.runId, environment, command.flagKey, command.toVersion);
    // a run started before the write table has no record: its audit entry is the only copy
    const spec =
      recorded?.spec ?? (await legacySpecAt(deps.db, environment, command.flagKey, command.toVersion));
    if (spec === null)
      return {
        ok: false,
        error: `version ${command.toVersion} of flag "${command.flagKey}" was not recorded by this run; cannot restore it`,
      };
    const outcome = await deps.resources.put(
      { kind: flagKind(), name: command.flagKey, environment, spec, source: command.opId },
      actor(run),
    );
    return {
      ok: true,
      data: { restoredFrom: command.toVersion, version: outcome.resource.metadata.version },
    };
  };

  return { set_flag: setFlag, restore_flag: restoreFlag };
}

/** The spec a flag had at a version, from the audit log: only for runs stored before the write table. */
async function legacySpecAt(
  db: Executor,
  environment: string,
  flag: string,
  version: number,
): Promise<unknown | null> {
  const audit = createAuditStore(db);
  let cursor: number | undefined;
  for (;;) {
    const page = await audit.query({ kind: 'Flag', name: flag, environment, limit: 200, cursor });
    for (const entry of page) {
      const after = entry.after as { metadata?: { version?: number }; spec?: unknown } | null;
      if (after?.metadata?.version === version) return after.spec ?? null;
    }
    if (page.length < 200) return null;
    cursor = page.at(-1)?.id;
  }
}
