/**
 * The Experiment kind. The seed's experiments file (a map of key → experiment) applies as is;
 * each experiment is also served as a flag of its key (see `loadEnvironment` in flags/), so a
 * key taken by a flag is refused, and the flag set must still compile with it. Lifecycle:
 * draft → active → stopped | concluded; each step is recorded with who and when.
 */
import { defineError, type FieldError } from '@sluice/core';
import {
  type ExperimentSpec,
  ExperimentSpecSchema,
  type ExperimentStatus,
  resolveMetrics,
  slicesOverlap,
  splitChangeEffect,
} from '@sluice/core/experiments';
import { FlagKeySchema } from '@sluice/core/flags';
import { bumpGeneration } from '../environments/generation.js';
import { flagSetCompiles } from '../flags/flag.kind.js';
import type {
  KindContext,
  KindDefinition,
  RecognisedResource,
  SetProblem,
  WrittenResource,
} from '../resources/kind.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';
import { createExperimentStore } from './experiment-store.kysely.js';

export const SplitChangeUnconfirmed = defineError(
  'EXPERIMENT_SPLIT_CHANGE_UNCONFIRMED',
  409,
  "Changing a running experiment's split needs confirmation",
);

/** Status steps a write may take. */
const NEXT: Record<ExperimentStatus, readonly ExperimentStatus[]> = {
  draft: ['draft', 'active', 'stopped'],
  active: ['active', 'stopped', 'concluded'],
  stopped: ['stopped', 'concluded'],
  concluded: ['concluded'],
};

/**
 * The seed's bare document: `{"key": {traffic_split, metrics, …}, …}`. Every value must look
 * like an experiment, so a flagd file or a rollout plan is never taken for one.
 */
export function recogniseExperiments(doc: Record<string, unknown>): RecognisedResource[] | null {
  const entries = Object.entries(doc);
  if (entries.length === 0 || doc.kind !== undefined || doc.flags !== undefined) return null;
  const looksLike = (v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && 'traffic_split' in v && 'metrics' in v;
  if (!entries.every(([, v]) => looksLike(v))) return null;
  return entries.map(([name, spec]) => ({ name, spec }));
}

async function stored(ctx: KindContext, environment: string, name: string): Promise<ExperimentSpec | null> {
  const r = await createResourceStore(ctx.trx).get('Experiment', environment, name);
  return r ? (r.spec as ExperimentSpec) : null;
}

/** Lifecycle steps, and a running split that changes without `confirm`. */
async function checkChange(
  ctx: KindContext,
  r: { name: string; environment: string | null; spec: ExperimentSpec },
): Promise<FieldError[]> {
  const before = await stored(ctx, r.environment as string, r.name);
  const from = before?.status ?? 'draft';
  if (!NEXT[from].includes(r.spec.status)) {
    return [
      {
        path: 'spec.status',
        message: `an experiment that is ${from} cannot become ${r.spec.status} (draft → active → stopped | concluded)`,
      },
    ];
  }
  if (before?.status === 'active' && r.spec.status === 'active' && !ctx.confirm) {
    const effect = splitChangeEffect(before.traffic_split, r.spec.traffic_split);
    const saltChanged = (before.salt ?? r.name) !== (r.spec.salt ?? r.name);
    if (effect.movedShare > 0 || saltChanged) {
      const what = saltChanged
        ? 'a new salt re-assigns every user of the running experiment'
        : effect.description;
      throw SplitChangeUnconfirmed(
        `experiment "${r.name}" is running: ${what}. Repeat with ?confirm=true (--confirm) to do it anyway`,
        {
          fields: [{ path: saltChanged ? 'spec.salt' : 'spec.traffic_split', message: what }],
          extensions: { movedShare: saltChanged ? 1 : effect.movedShare },
        },
      );
    }
  }
  return [];
}

/** The flag set still compiles, no flag shares a key, no two experiments share a layer slice. */
async function checkEnvironment(
  ctx: KindContext,
  environment: string | null,
  written: readonly WrittenResource[],
): Promise<SetProblem[]> {
  const problems = await flagSetCompiles(ctx, environment, written);
  const store = createResourceStore(ctx.trx);
  const layered: { name: string; spec: ExperimentSpec }[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.list('Experiment', environment, { limit: 1000, cursor });
    for (const r of page) {
      const spec = r.spec as ExperimentSpec;
      if (spec.layer && (spec.status === 'draft' || spec.status === 'active'))
        layered.push({ name: r.metadata.name, spec });
    }
    if (page.length < 1000) break;
    cursor = page.at(-1)?.metadata.name;
  }
  for (let i = 0; i < layered.length; i++) {
    for (let j = i + 1; j < layered.length; j++) {
      const a = layered[i]!;
      const b = layered[j]!;
      if (a.spec.layer!.name === b.spec.layer!.name && slicesOverlap(a.spec.layer!, b.spec.layer!)) {
        for (const [x, y] of [
          [a, b],
          [b, a],
        ] as const) {
          problems.push({
            kind: 'Experiment',
            name: x.name,
            path: 'layer',
            message: `shares users with experiment "${y.name}" in layer "${x.spec.layer!.name}" (${y.spec.layer!.from}–${y.spec.layer!.to} %): slices of one layer must not overlap`,
          });
        }
      }
    }
  }
  return problems;
}

type WriteCheck = (ctx: KindContext, resource: { environment: string | null }) => Promise<FieldError[]>;

/**
 * `writeCheck` is the emergency rule every write passes first (in emergency mode only admin
 * tokens start, stop, conclude, apply or delete experiments there; a rollout's rollback acts as
 * `restoring`, so an emergency's rollback still stops its experiment).
 */
export const experimentKind = (writeCheck: WriteCheck): KindDefinition<ExperimentSpec> => ({
  kind: 'Experiment',
  plural: 'experiments',
  aliases: ['experiment', 'exp'],
  environmentScoped: true,
  spec: ExperimentSpecSchema,
  name: FlagKeySchema,
  // after segments and flags: its targeting names segments, its key must not be a flag's
  applyOrder: 25,
  recognise: recogniseExperiments,
  async check(ctx, r) {
    await writeCheck(ctx, r);
    return checkChange(ctx, r);
  },
  async beforeDelete(ctx, resource) {
    await writeCheck(ctx, { environment: resource.metadata.environment ?? null });
  },
  checkSet: checkEnvironment,
  async warn(ctx, r) {
    const notes: string[] = [];
    const segments = r.spec.targeting?.user_segments ?? [];
    const store = createResourceStore(ctx.trx);
    const missing: string[] = [];
    for (const s of segments) if (!(await store.get('Segment', r.environment, s))) missing.push(s);
    if (missing.length) {
      notes.push(
        `segment${missing.length > 1 ? 's' : ''} ${missing.join(', ')} do${missing.length > 1 ? '' : 'es'} not exist in ${r.environment}: nobody enters "${r.name}" through ${missing.length > 1 ? 'them' : 'it'} until ${missing.length > 1 ? 'they do' : 'it does'}`,
      );
    }
    for (const m of resolveMetrics(r.spec).filter((x) => x.source === 'assumed')) {
      notes.push(
        `metric "${m.name}" is neither predefined nor in metrics.definitions: read as the share of users with an event named "${m.name}"`,
      );
    }
    return notes;
  },
  async afterChange(ctx, change) {
    const env = (change.after ?? change.before)?.metadata.environment as string;
    const name = (change.after ?? change.before)?.metadata.name as string;
    const store = createExperimentStore(ctx.trx);
    await bumpGeneration(ctx.trx, env);
    if (!change.after) {
      await store.forget(env, name);
      return;
    }
    const before = (change.before?.spec as ExperimentSpec | undefined)?.status ?? 'draft';
    const after = (change.after.spec as ExperimentSpec).status;
    if (after === before) return;
    const step =
      after === 'active'
        ? 'started'
        : after === 'stopped'
          ? 'stopped'
          : after === 'concluded'
            ? 'concluded'
            : null;
    if (step) await store.recordTransition(env, name, step, ctx.actor, ctx.now);
  },
});
