/**
 * The targeting rules the form edits, and their JSON Logic. Rules are tried in order: "an
 * attribute matches" or "in a segment" serves a variant; what is left gets a variant or a
 * fractional split. Targeting the form cannot represent is edited as JSON only (parse → null).
 */

export type Operator = 'in' | '==' | '!=' | 'starts_with' | 'ends_with';
export const OPERATORS: Operator[] = ['in', '==', '!=', 'starts_with', 'ends_with'];

export type Rule =
  | { kind: 'attribute'; attribute: string; operator: Operator; values: string[]; variant: string }
  | { kind: 'segment'; segment: string; variant: string };

export type Fallback =
  | { kind: 'default' }
  | { kind: 'variant'; variant: string }
  | { kind: 'fractional'; weights: [string, number][] };

export interface TargetingModel {
  rules: Rule[];
  fallback: Fallback;
}

type Json = unknown;

function isObj(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function single(v: Json): [string, Json] | null {
  if (!isObj(v)) return null;
  const keys = Object.keys(v);
  return keys.length === 1 ? [keys[0] as string, v[keys[0] as string]] : null;
}

function varName(v: Json): string | null {
  const s = single(v);
  return s && s[0] === 'var' && typeof s[1] === 'string' ? s[1] : null;
}

function parseCondition(cond: Json, variant: string): Rule | null {
  const s = single(cond);
  if (!s) return null;
  const [op, args] = s;
  if (op === '$ref' && typeof args === 'string') return { kind: 'segment', segment: args, variant };
  if (!Array.isArray(args) || args.length !== 2) return null;
  const attribute = varName(args[0]);
  if (!attribute) return null;
  if (op === 'in' && Array.isArray(args[1]) && args[1].every((x) => typeof x === 'string'))
    return { kind: 'attribute', attribute, operator: 'in', values: args[1] as string[], variant };
  if (
    (op === '==' || op === '!=' || op === 'starts_with' || op === 'ends_with') &&
    typeof args[1] === 'string'
  )
    return { kind: 'attribute', attribute, operator: op, values: [args[1]], variant };
  return null;
}

function parseFallback(v: Json): Fallback | null {
  if (v === undefined || v === null) return { kind: 'default' };
  if (typeof v === 'string') return { kind: 'variant', variant: v };
  const s = single(v);
  if (s && s[0] === 'fractional' && Array.isArray(s[1])) {
    const weights: [string, number][] = [];
    for (const entry of s[1]) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') return null;
      const w = entry.length === 1 ? 1 : entry[1];
      if (entry.length > 2 || typeof w !== 'number') return null;
      weights.push([entry[0], w]);
    }
    return weights.length ? { kind: 'fractional', weights } : null;
  }
  return null;
}

/** The form's view of `targeting`, or null when only the JSON can say it. */
export function parseTargeting(targeting: Json): TargetingModel | null {
  if (
    targeting === undefined ||
    targeting === null ||
    (isObj(targeting) && Object.keys(targeting).length === 0)
  )
    return { rules: [], fallback: { kind: 'default' } };
  const s = single(targeting);
  if (s && s[0] === 'if' && Array.isArray(s[1])) {
    const args = s[1];
    const rules: Rule[] = [];
    let i = 0;
    for (; i + 1 < args.length; i += 2) {
      if (typeof args[i + 1] !== 'string') return null;
      const rule = parseCondition(args[i], args[i + 1] as string);
      if (!rule) return null;
      rules.push(rule);
    }
    const fallback = parseFallback(i < args.length ? args[i] : undefined);
    return fallback ? { rules, fallback } : null;
  }
  const fallback = parseFallback(targeting);
  return fallback ? { rules: [], fallback } : null;
}

function conditionOf(rule: Rule): Json {
  if (rule.kind === 'segment') return { $ref: rule.segment };
  const attr = { var: rule.attribute };
  return rule.operator === 'in'
    ? { in: [attr, rule.values] }
    : { [rule.operator]: [attr, rule.values[0] ?? ''] };
}

function fallbackOf(f: Fallback): Json {
  if (f.kind === 'variant') return f.variant;
  if (f.kind === 'fractional') return { fractional: f.weights.map(([v, w]) => [v, w]) };
  return undefined;
}

/** JSON Logic for the model; undefined when nothing targets (the default variant serves). */
export function buildTargeting(model: TargetingModel): Json {
  const fallback = fallbackOf(model.fallback);
  if (!model.rules.length) return fallback;
  const args: Json[] = model.rules.flatMap((r) => [conditionOf(r), r.variant]);
  if (fallback !== undefined) args.push(fallback);
  return { if: args };
}

/**
 * Moves one variant's weight to `value` and spreads the difference over the others in
 * proportion, so the split still sums to 100 (whole numbers; the last absorbs rounding).
 */
export function rebalance(weights: [string, number][], index: number, value: number): [string, number][] {
  const v = Math.max(0, Math.min(100, Math.round(value)));
  const others = weights.map((w, i) => ({ i, w: w[1] })).filter((o) => o.i !== index);
  const rest = 100 - v;
  const sum = others.reduce((a, o) => a + o.w, 0);
  const out = weights.map(([name, w]) => [name, w] as [string, number]);
  (out[index] as [string, number])[1] = v;
  let given = 0;
  others.forEach((o, k) => {
    const share =
      k === others.length - 1
        ? rest - given
        : Math.round(sum > 0 ? (o.w / sum) * rest : rest / others.length);
    (out[o.i] as [string, number])[1] = share;
    given += share;
  });
  return out;
}
