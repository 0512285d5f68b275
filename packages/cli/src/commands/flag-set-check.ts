/**
 * `sluice validate` judges flags and segments offline the way the server judges an apply: each
 * environment's set compiled together, problems in a `kind: Flag` document refused, problems in
 * a bare flagd file warned about (flagd mode), anything over the cost budget refused; `--strict`
 * refuses warnings too.
 */
import type { NormalizedResource } from '@sluice/server';
import { judgeFlagSet } from '@sluice/server/flags';
import type { FieldProblem } from '../errors.js';

export function checkFlagSets(
  resources: readonly NormalizedResource[],
  strict: boolean,
): { errors: FieldProblem[]; warnings: FieldProblem[] } {
  const byEnvironment = new Map<string, NormalizedResource[]>();
  for (const r of resources) {
    if (r.kind.kind !== 'Flag' && r.kind.kind !== 'Segment') continue;
    const env = r.environment ?? '';
    byEnvironment.set(env, [...(byEnvironment.get(env) ?? []), r]);
  }
  const errors: FieldProblem[] = [];
  const warnings: FieldProblem[] = [];
  for (const list of byEnvironment.values()) {
    const flags: Record<string, never> = {};
    const segments: Record<string, unknown> = {};
    for (const r of list) {
      if (r.kind.kind === 'Flag') flags[r.name] = r.spec as never;
      else segments[r.name] = (r.spec as { rule: unknown }).rule;
    }
    const written = list.map((r) => ({
      kind: r.kind.kind,
      name: r.name,
      lenient: Boolean(r.lenient) && !strict,
    }));
    const sources = new Map(list.map((r) => [`${r.kind.kind}/${r.name}`, r.source]));
    for (const p of judgeFlagSet(flags, segments, written)) {
      const source = p.name === null ? undefined : sources.get(`${p.kind}/${p.name}`);
      const path = source ? `${source}: spec${p.path ? `.${p.path}` : ''}` : `${p.kind} ${p.path}`;
      (p.warning ? warnings : errors).push({ path, message: p.message });
    }
  }
  return { errors, warnings };
}
