import { Conflict, type FieldError, Forbidden } from '@sluice/core';
import { scopesGrant } from '@sluice/core/auth';
import { compileFlagSet, type FlagDefinition, FlagKeySchema, FlagSchema } from '@sluice/core/flags';
import { bumpGeneration } from '../environments/generation.js';
import type { KindContext, KindDefinition } from '../resources/kind.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';
import { recogniseFlagdFile } from './flagd-file.js';
import type { SegmentSpec } from './segment.kind.js';

/** Whether an environment is in emergency mode (a narrow read of the emergency slice). */
export type EmergencyLookup = (environment: string) => { reason: string | null } | null;

/**
 * Checks a Flag or Segment write against the whole environment: the set must still compile
 * (segments exist, prerequisites form no cycle), and in emergency mode only admins write.
 */
export function flagSetCheck(emergency: EmergencyLookup) {
  return async (
    ctx: KindContext,
    candidate: { name: string; environment: string | null; spec: unknown },
    kind: 'Flag' | 'Segment',
  ): Promise<FieldError[]> => {
    const env = candidate.environment as string;
    const state = emergency(env);
    if (state && !scopesGrant(ctx.scopes, 'admin', env)) {
      throw Forbidden(
        `environment "${env}" is in emergency mode (${state.reason}); only admin tokens change flags until it is cleared`,
      );
    }
    const { flags, segments } = await loadEnvironment(ctx, env);
    if (kind === 'Flag') flags[candidate.name] = candidate.spec as FlagDefinition;
    else segments[candidate.name] = (candidate.spec as SegmentSpec).rule;
    try {
      compileFlagSet({ flags }, { segments });
      return [];
    } catch (error) {
      const fields = (error as { fields?: FieldError[] }).fields ?? [
        { path: 'spec', message: (error as Error).message },
      ];
      const prefix = kind === 'Flag' ? `flags.${candidate.name}.` : '';
      // report problems of the written resource under its spec; others (a flag broken by a segment change) as they are
      return fields.map((f) => ({
        path:
          f.path.startsWith(prefix) && prefix ? `spec.${f.path.slice(prefix.length)}` : `spec (${f.path})`,
        message: f.message,
      }));
    }
  };
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

export async function loadEnvironment(ctx: { trx: KindContext['trx'] }, environment: string) {
  const store = createResourceStore(ctx.trx);
  const flags: Record<string, FlagDefinition> = {};
  const segments: Record<string, unknown> = {};
  for (const [kind, target] of [
    ['Flag', flags],
    ['Segment', segments],
  ] as const) {
    let cursor: string | undefined;
    for (;;) {
      const page = await store.list(kind, environment, { limit: 1000, cursor });
      for (const r of page)
        (target as Record<string, unknown>)[r.metadata.name] =
          kind === 'Flag' ? r.spec : (r.spec as SegmentSpec).rule;
      if (page.length < 1000) break;
      cursor = page.at(-1)?.metadata.name;
    }
  }
  return { flags, segments };
}

export function flagKind(emergency: EmergencyLookup): KindDefinition<FlagDefinition> {
  const check = flagSetCheck(emergency);
  return {
    kind: 'Flag',
    plural: 'flags',
    aliases: ['flag'],
    environmentScoped: true,
    spec: FlagSchema,
    name: FlagKeySchema,
    applyOrder: 20,
    recognise: recogniseFlagdFile,
    check: (ctx, r) => check(ctx, r, 'Flag'),
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
