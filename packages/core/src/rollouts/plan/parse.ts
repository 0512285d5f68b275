/**
 * Plan validation: zod for shapes, then the graph. Every problem is reported at once as
 * `{path, message}` with JSON paths like `stages[2].config.initial_weight`; unknown keys get a
 * "did you mean" hint from the keys the schema knows at that place.
 */
import type { z } from 'zod';
import type { FieldError } from '../../errors/index.js';
import { RolloutPlanInvalid } from '../errors.js';
import { didYouMean, formatDuration } from '../text.js';
import { findCycle } from './dag.js';
import { minimumPlanDuration } from './duration.js';
import { type Plan, planSchema } from './plan-schema.js';

type Seg = PropertyKey;

export function formatPath(path: readonly Seg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '$' : out;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[];
  discriminator?: string;
  values?: unknown[];
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    const next = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
    if (!next) return cur;
    cur = next;
  }
}

/** The object schemas that may describe `data` at this place (unions are narrowed by discriminator). */
function objectsAt(s: z.ZodType, data: unknown): Def[] {
  const d = defOf(unwrap(s));
  if (d.type === 'object') return [d];
  if (d.type !== 'union') return [];
  const record = (data ?? {}) as Record<string, unknown>;
  const options = d.options ?? [];
  const key = d.discriminator;
  const picked =
    key === undefined
      ? options
      : options.filter((o) => defOf(unwrap(o)).shape?.[key] && literalMatches(o, key, record[key]));
  return (picked.length > 0 ? picked : options).flatMap((o) => objectsAt(o, data));
}

function literalMatches(o: z.ZodType, key: string, value: unknown): boolean {
  const field = defOf(unwrap(o)).shape?.[key];
  return field ? (defOf(unwrap(field)).values ?? []).includes(value) : false;
}

function keysAt(s: z.ZodType, data: unknown, path: readonly Seg[]): string[] {
  if (path.length === 0) return objectsAt(s, data).flatMap((d) => Object.keys(d.shape ?? {}));
  const [seg, ...rest] = path;
  const child = (data as Record<PropertyKey, unknown> | undefined)?.[seg as PropertyKey];
  const d = defOf(unwrap(s));
  if (typeof seg === 'number' && d.element) return keysAt(d.element, child, rest);
  if (d.type === 'record' && d.valueType) return keysAt(d.valueType, child, rest);
  return objectsAt(s, data).flatMap((o) => {
    const next = o.shape?.[String(seg)];
    return next ? keysAt(next, child, rest) : [];
  });
}

function valueAt(data: unknown, path: readonly Seg[]): unknown {
  let cur = data;
  for (const seg of path) cur = (cur as Record<PropertyKey, unknown> | undefined)?.[seg as PropertyKey];
  return cur;
}

/** Turns zod issues into field errors, with hints. Works for any schema, not only plans. */
export function issuesToFields(
  schema: z.ZodType,
  input: unknown,
  issues: readonly z.core.$ZodIssue[],
): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = keysAt(schema, input, issue.path);
      for (const key of issue.keys) {
        out.push({
          path: formatPath([...issue.path, key]),
          message: `unknown key \`${key}\`${didYouMean(key, known)}`,
        });
      }
      continue;
    }
    const given = valueAt(input, issue.path);
    if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
      const options = issue.options.map(String);
      out.push({
        path: formatPath(issue.path),
        message: `${given === undefined ? 'is required' : `\`${String(given)}\` is not valid`}; must be one of ${options.join(', ')}${typeof given === 'string' ? didYouMean(given, options) : ''}`,
      });
      continue;
    }
    if (issue.code === 'invalid_value' && typeof given === 'string') {
      const options = issue.values.map(String);
      out.push({ path: formatPath(issue.path), message: `${issue.message}${didYouMean(given, options)}` });
      continue;
    }
    const missing = issue.code === 'invalid_type' && given === undefined;
    out.push({ path: formatPath(issue.path), message: missing ? 'is required' : issue.message });
  }
  return out;
}

/** Checks that zod cannot: unique names, known dependencies, no cycle. */
export function graphErrors(plan: Plan): FieldError[] {
  const out: FieldError[] = [];
  const names = plan.stages.map((s) => s.name);
  const seen = new Set<string>();
  plan.stages.forEach((stage, i) => {
    if (seen.has(stage.name))
      out.push({ path: `stages[${i}].name`, message: `duplicate stage name \`${stage.name}\`` });
    seen.add(stage.name);
    stage.dependencies.forEach((dep, j) => {
      if (!names.includes(dep)) {
        out.push({
          path: `stages[${i}].dependencies[${j}]`,
          message: `unknown stage \`${dep}\`${didYouMean(dep, names)}`,
        });
      }
    });
    stage.rollback_stages.forEach((dep, j) => {
      if (!names.includes(dep)) {
        out.push({
          path: `stages[${i}].rollback_stages[${j}]`,
          message: `unknown stage \`${dep}\`${didYouMean(dep, names)}`,
        });
      }
    });
  });
  if (plan.guard) {
    const apps = plan.stages.flatMap((s) => {
      const app = (s.config as { app_name?: string }).app_name;
      return app ? [app] : [];
    });
    const wanted = plan.guard.app_name;
    if (apps.length === 0)
      out.push({ path: 'guard', message: 'the guard watches a service, and no stage delivers one' });
    else if (wanted !== undefined && !apps.includes(wanted))
      out.push({
        path: 'guard.app_name',
        message: `\`${wanted}\` is not delivered by this plan (its services: ${[...new Set(apps)].join(', ')})`,
      });
  }
  const cycle = findCycle(plan.stages);
  if (cycle) {
    const at = names.indexOf(cycle[0] ?? '');
    out.push({ path: `stages[${at}].dependencies`, message: `dependency cycle: ${cycle.join(' -> ')}` });
  } else {
    // A plan that cannot finish before its own watchdog would always fail: say so now.
    const least = minimumPlanDuration(plan) + (plan.guard?.duration_seconds ?? 0) * 1000;
    if (least > plan.max_duration_hours * 3_600_000) {
      out.push({
        path: 'max_duration_hours',
        message: `the stages need at least ${formatDuration(least)}, more than ${plan.max_duration_hours}h`,
      });
    }
  }
  return out;
}

export type PlanValidation = { ok: true; plan: Plan } | { ok: false; errors: FieldError[] };

export function validatePlan(input: unknown): PlanValidation {
  const parsed = planSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: issuesToFields(planSchema, input, parsed.error.issues) };
  const errors = graphErrors(parsed.data);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, plan: parsed.data };
}

/** Parses and checks a plan; throws ROLLOUT_PLAN_INVALID listing every bad field. */
export function parsePlan(input: unknown): Plan {
  const result = validatePlan(input);
  if (result.ok) return result.plan;
  const first = result.errors[0];
  const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : '';
  throw RolloutPlanInvalid(`${first?.path}: ${first?.message}${more}`, { fields: result.errors });
}
