import { Conflict, type FieldError, Forbidden } from '@sluice/core';
import { scopesGrant } from '@sluice/core/auth';
import { type ExperimentSpec, experimentFlag } from '@sluice/core/experiments';
import { compileFlagSet, type FlagDefinition, FlagKeySchema, FlagSchema } from '@sluice/core/flags';
import { bumpGeneration } from '../environments/generation.js';
import type {
  KindContext,
  KindDefinition,
  ResourceStatus,
  SetProblem,
  WrittenResource,
} from '../resources/kind.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';
import { recogniseFlagdFile } from './flagd-file.js';
import type { SegmentSpec } from './segment.kind.js';

/** Whether an environment is in emergency mode (a narrow read of the emergency slice). */
export type EmergencyLookup = (environment: string) => { reason: string | null } | null;

/**
 * In emergency mode only admins change flags, segments and experiments (checked per written
 * resource; `what` names them in the refusal), and a rollout's rollback restoring what stood
 * before (with its starter's scopes; rollouts/run-authority.ts refuses a run's forward writes).
 */
export function emergencyWriteCheck(emergency: EmergencyLookup, what = 'flags') {
  return async (ctx: KindContext, candidate: { environment: string | null }): Promise<FieldError[]> => {
    const env = candidate.environment as string;
    const state = emergency(env);
    if (state && !ctx.restoring && !scopesGrant(ctx.scopes, 'admin', env)) {
      throw Forbidden(
        `environment "${env}" is in emergency mode (${state.reason}); only admin tokens change ${what} until it is cleared`,
      );
    }
    return [];
  };
}

/** The resource a problem's path is in: `flags.key…` is a Flag, `segments.name…` a Segment. */
function locate(path: string): { kind: 'Flag' | 'Segment'; name: string; path: string } | null {
  // `flags.key.rest`, `flags["a-key"].rest`, `segments.name.rest`
  const m = /^(flags|segments)(?:\.([^.[\]]+)|\["((?:[^"\\]|\\.)*)"\])\.?(.*)$/.exec(path);
  const name = m ? (m[2] ?? (m[3] === undefined ? undefined : JSON.parse(`"${m[3]}"`))) : undefined;
  if (!m || name === undefined) return null;
  if (m[1] === 'flags') return { kind: 'Flag', name, path: m[4] ?? '' };
  // a segment's rule is its spec's `rule`
  const rest = m[4] ?? '';
  return {
    kind: 'Segment',
    name,
    path: rest ? (rest.startsWith('[') ? `rule${rest}` : `rule.${rest}`) : 'rule',
  };
}

/** A set of flags and segments compiled as flagd loads it; `fields` when it does not compile at all. */
function compileAsFlagd(flags: Record<string, FlagDefinition>, segments: Record<string, unknown>) {
  try {
    return { set: compileFlagSet({ flags }, { segments, mode: 'flagd' }), fields: [] as FieldError[] };
  } catch (error) {
    const fields = (error as { fields?: FieldError[] }).fields ?? [
      { path: '', message: (error as Error).message },
    ];
    return { set: null, fields };
  }
}

/**
 * What a write of `written` into a set of flags and segments must be told. One rule for every
 * way in: a problem that touches a written resource (it is in it, or in the rule of a written
 * flag) is refused when it is over budget or any resource it touches was written strictly (a
 * `kind: Flag` document, a PUT, `?strict=true`); it is a warning when all of them came from a
 * bare flagd document (flagd mode). Problems elsewhere were there before: GET status shows them.
 * Pure, so `sluice validate` judges files offline the way the server judges writes.
 */
export function judgeFlagSet(
  flags: Record<string, FlagDefinition>,
  segments: Record<string, unknown>,
  written: readonly WrittenResource[],
): SetProblem[] {
  const { set, fields } = compileAsFlagd(flags, segments);
  if (!set) {
    return fields.map((f) => {
      const at = locate(f.path);
      return at
        ? { kind: at.kind, name: at.name, path: at.path, message: f.message }
        : { kind: 'Flag', name: null, path: f.path, message: f.message };
    });
  }
  const byKey = new Map(written.map((w) => [`${w.kind}/${w.name}`, w]));
  const out: SetProblem[] = [];
  for (const p of set.problems) {
    const at = locate(p.path);
    const touched = [
      at ? byKey.get(`${at.kind}/${at.name}`) : undefined,
      p.flag === null ? undefined : byKey.get(`Flag/${p.flag}`),
    ].filter((w) => w !== undefined);
    if (touched.length === 0) continue;
    const warning = p.kind !== 'refused' && touched.every((w) => w.lenient);
    // reported in the resource it is in when that was written, else in the flag whose rule uses it
    const place =
      at && byKey.has(`${at.kind}/${at.name}`)
        ? at
        : { kind: 'Flag' as const, name: p.flag as string, path: `targeting (through ${p.path})` };
    out.push({ kind: place.kind, name: place.name, path: place.path, message: p.message, warning });
  }
  return out;
}

/** The environment's flags and segments as written so far in this transaction, judged after an apply. */
export async function flagSetCompiles(
  ctx: KindContext,
  environment: string | null,
  written: readonly WrittenResource[],
): Promise<SetProblem[]> {
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
  return judgeFlagSet(flags, segments, written);
}

/** Problems of the stored flags and segments, by resource, for their GET status. */
export async function flagSetStatus(
  ctx: { trx: KindContext['trx'] },
  kind: 'Flag' | 'Segment',
  environment: string | null,
  names: readonly string[],
): Promise<Map<string, ResourceStatus>> {
  const { flags, segments } = await loadEnvironment(ctx, environment as string);
  const { set } = compileAsFlagd(flags, segments);
  const wanted = new Set(names);
  const out = new Map<string, ResourceStatus>();
  for (const p of set?.problems ?? []) {
    const at = locate(p.path);
    const owners = new Set<string>();
    if (at?.kind === kind) owners.add(at.name);
    if (kind === 'Flag' && p.flag !== null) owners.add(p.flag);
    for (const name of owners) {
      if (!wanted.has(name)) continue;
      const status = out.get(name) ?? { problems: [] };
      status.problems.push({ path: p.path, message: p.message, kind: p.kind });
      out.set(name, status);
    }
  }
  return out;
}

/**
 * Refuses deleting a flag or segment that others still use (a prerequisite, a `$ref`): the
 * set without it must compile, with no problem it did not have before.
 */
export async function refuseDeleteInUse(
  ctx: KindContext,
  kind: 'Flag' | 'Segment',
  name: string,
  environment: string,
): Promise<void> {
  const { flags, segments } = await loadEnvironment(ctx, environment);
  const problemsOf = (set: ReturnType<typeof compileFlagSet>) =>
    new Set(set.problems.map((p) => `${p.path}: ${p.message}`));
  let before: Set<string>;
  try {
    before = problemsOf(compileFlagSet({ flags }, { segments, mode: 'flagd' }));
  } catch {
    before = new Set();
  }
  if (kind === 'Flag') delete flags[name];
  else delete segments[name];
  let fresh: string[];
  try {
    fresh = [...problemsOf(compileFlagSet({ flags }, { segments, mode: 'flagd' }))].filter(
      (p) => !before.has(p),
    );
  } catch (error) {
    const fields = (error as { fields?: FieldError[] }).fields ?? [];
    fresh = fields.map((f) => `${f.path}: ${f.message}`);
    if (fresh.length === 0) fresh = [(error as Error).message];
  }
  if (fresh.length > 0) throw Conflict(`${kind} "${name}" is still used: ${fresh.join('; ')}`);
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
    status: (ctx, environment, names) => flagSetStatus(ctx, 'Flag', environment, names),
    async beforeDelete(ctx, resource) {
      const env = resource.metadata.environment as string;
      const state = emergency(env);
      if (state && !ctx.restoring && !scopesGrant(ctx.scopes, 'admin', env)) {
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
