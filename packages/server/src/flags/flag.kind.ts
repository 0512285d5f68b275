import { Conflict, type FieldError, Forbidden } from '@sluice/core';
import { scopesGrant } from '@sluice/core/auth';
import { type ExperimentSpec, experimentFlag } from '@sluice/core/experiments';
import { compileFlagSet, type FlagDefinition, FlagKeySchema, FlagSchema } from '@sluice/core/flags';
import { bumpGeneration } from '../environments/generation.js';
import type { KindContext, KindDefinition, SetProblem } from '../resources/kind.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';
import { recogniseFlagdFile } from './flagd-file.js';
import type { SegmentSpec } from './segment.kind.js';

/** Whether an environment is in emergency mode (a narrow read of the emergency slice). */
export type EmergencyLookup = (environment: string) => { reason: string | null } | null;

/** In emergency mode only admins change flags and segments (checked per written resource). */
export function emergencyWriteCheck(emergency: EmergencyLookup) {
  return async (ctx: KindContext, candidate: { environment: string | null }): Promise<FieldError[]> => {
    const env = candidate.environment as string;
    const state = emergency(env);
    if (state && !scopesGrant(ctx.scopes, 'admin', env)) {
      throw Forbidden(
        `environment "${env}" is in emergency mode (${state.reason}); only admin tokens change flags until it is cleared`,
      );
    }
    return [];
  };
}

/**
 * The environment's flags and segments, as written so far in this transaction, must still
 * compile together (segments exist, `$ref`s resolve, prerequisites form no cycle). Run once per
 * environment after all the writes of an apply. Problems are placed in the flag they are in.
 */
export async function flagSetCompiles(ctx: KindContext, environment: string | null): Promise<SetProblem[]> {
  const { flags, segments, taken } = await loadEnvironment(ctx, environment as string);
  if (taken.length) {
    // reported in both kinds: the one being written names its document
    return taken.flatMap((name) =>
      (['Flag', 'Experiment'] as const).map((kind) => ({
        kind,
        name,
        path: '',
        message: `the key "${name}" is taken: an experiment is served as a flag of its key, so a flag and an experiment cannot share one`,
      })),
    );
  }
  try {
    compileFlagSet({ flags }, { segments });
    return [];
  } catch (error) {
    const fields = (error as { fields?: FieldError[] }).fields ?? [
      { path: '', message: (error as Error).message },
    ];
    return fields.map((f) => {
      // `flags.key.rest` or `flags["a-key"].rest`
      const m = /^flags(?:\.([^.[\]]+)|\["((?:[^"\\]|\\.)*)"\])\.?(.*)$/.exec(f.path);
      const name = m ? (m[1] ?? m[2] ?? null) : null;
      return name
        ? { kind: 'Flag', name, path: m?.[3] ?? '', message: f.message }
        : { kind: 'Flag', name: null, path: f.path, message: f.message };
    });
  }
}

/** Refuses deleting a flag or segment that others still use (a prerequisite, a `$ref`). */
export async function refuseDeleteInUse(
  ctx: KindContext,
  kind: 'Flag' | 'Segment',
  name: string,
  environment: string,
): Promise<void> {
  const { flags, segments } = await loadEnvironment(ctx, environment);
  if (kind === 'Flag') delete flags[name];
  else delete segments[name];
  try {
    compileFlagSet({ flags }, { segments });
  } catch (error) {
    const fields = (error as { fields?: FieldError[] }).fields ?? [];
    throw Conflict(
      `${kind} "${name}" is still used: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ') || (error as Error).message}`,
    );
  }
}

/**
 * The environment's flags, segments and experiments as stored. Each experiment is also served as
 * a flag of its key (`experimentFlag`); `taken` lists keys that are both a flag and an experiment.
 */
export async function loadEnvironment(ctx: { trx: KindContext['trx'] }, environment: string) {
  const store = createResourceStore(ctx.trx);
  const flags: Record<string, FlagDefinition> = {};
  const segments: Record<string, unknown> = {};
  const experiments: Record<string, ExperimentSpec> = {};
  for (const [kind, target] of [
    ['Flag', flags],
    ['Segment', segments],
    ['Experiment', experiments],
  ] as const) {
    let cursor: string | undefined;
    for (;;) {
      const page = await store.list(kind, environment, { limit: 1000, cursor });
      for (const r of page)
        (target as Record<string, unknown>)[r.metadata.name] =
          kind === 'Segment' ? (r.spec as SegmentSpec).rule : r.spec;
      if (page.length < 1000) break;
      cursor = page.at(-1)?.metadata.name;
    }
  }
  const known = new Set(Object.keys(segments));
  const taken: string[] = [];
  for (const [key, spec] of Object.entries(experiments)) {
    if (Object.hasOwn(flags, key)) taken.push(key);
    else flags[key] = experimentFlag(key, spec, { segments: known });
  }
  return { flags, segments, experiments, taken };
}

export function flagKind(emergency: EmergencyLookup): KindDefinition<FlagDefinition> {
  const check = emergencyWriteCheck(emergency);
  return {
    kind: 'Flag',
    plural: 'flags',
    aliases: ['flag'],
    environmentScoped: true,
    spec: FlagSchema,
    name: FlagKeySchema,
    applyOrder: 20,
    recognise: recogniseFlagdFile,
    check,
    checkSet: flagSetCompiles,
    async beforeDelete(ctx, resource) {
      const env = resource.metadata.environment as string;
      const state = emergency(env);
      if (state && !scopesGrant(ctx.scopes, 'admin', env)) {
        throw Forbidden(`environment "${env}" is in emergency mode; only admin tokens change flags`);
      }
      await refuseDeleteInUse(ctx, 'Flag', resource.metadata.name, env);
    },
    async afterChange(ctx, change) {
      const env = (change.after ?? change.before)?.metadata.environment;
      if (env) await bumpGeneration(ctx.trx, env);
    },
  };
}
