import { sizeOf, spend } from './budget.js';
import {
  childPath,
  type Fn,
  type LogicCompiler,
  NULL_NODE,
  type OpSpec,
  type Runtime,
  readPath,
} from './logic-compile.js';
import { invalidArguments, LogicError, splitPath, truthy } from './logic-semantics.js';

/**
 * missing/missing_some, string and list helpers, iterators and reduce, in both regimes of the
 * reference (all of them in the differential test).
 */

const iteratorDeterministic = (c: LogicCompiler, raw: unknown, inside: boolean) =>
  Array.isArray(raw) && c.deterministic(raw[0], inside) && c.deterministic(raw[1], true);

type IteratorKind = 'map' | 'filter' | 'all' | 'some' | 'none';
function iterator(kind: IteratorKind): OpSpec {
  return {
    deterministic: iteratorDeterministic,
    compile: (c, raw, path) => {
      if (!Array.isArray(raw)) {
        c.problem(path, `${kind} needs [list, rule]`);
        return NULL_NODE;
      }
      const selector = c.compile(raw[0], childPath(path, 0)).fn;
      const mapper = c.within(c.mode, true, () => c.compile(raw[1], childPath(path, 1))).fn;
      const compiled = c.mode === 'compiled';
      const list = (data: unknown, rt: Runtime) => {
        const value = selector(data, rt);
        if (compiled && kind === 'all') rt.prev = value;
        const items = (value || []) as unknown[];
        spend(rt, sizeOf(items));
        return items;
      };
      // the reference builds the per-element rule as its own function, with its own `prev`
      const isolated = (rt: Runtime, item: unknown) => {
        const saved = rt.prev;
        try {
          return mapper(item, rt);
        } finally {
          rt.prev = saved;
        }
      };
      const test = (rt: Runtime) => (item: unknown) => truthy(isolated(rt, item));
      switch (kind) {
        case 'map':
          return { constant: false, fn: (data, rt) => list(data, rt).map((item) => isolated(rt, item)) };
        case 'filter':
          return { constant: false, fn: (data, rt) => list(data, rt).filter(test(rt)) };
        case 'all':
          return {
            constant: false,
            // an empty list is false; the generated code tests the raw value (so null → []
            // → every → true), the interpreter tests it after `|| []` (null → false)
            fn: (data, rt) => {
              const raw = selector(data, rt);
              if (compiled) rt.prev = raw;
              const items = (raw || []) as unknown[];
              spend(rt, sizeOf(items));
              if (Array.isArray(compiled ? raw : items) && items.length === 0) return false;
              return items.every(test(rt));
            },
          };
        case 'some':
          return { constant: false, fn: (data, rt) => list(data, rt).some(test(rt)) };
        case 'none':
          return { constant: false, fn: (data, rt) => !list(data, rt).some(test(rt)) };
      }
    },
  };
}

/** `assertAllowedDepth(value, 0)` of the reference: a fold's accumulator holds no nested list or object. */
function flatAccumulator(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  for (const inner of Object.values(value)) {
    if (inner !== null && typeof inner === 'object') throw new LogicError('the accumulator may not nest');
  }
  return value;
}

/**
 * The optimizer's rewrite of a `reduce` that only adds (or multiplies) `accumulator` and
 * `current`: `{"+": [{"+": list}, initial || 0]}` (`*`: initial or 1). Undefined otherwise.
 */
function reduceIdiom(list: unknown, mapper: unknown, initial: unknown): unknown {
  const m = mapper as Record<string, unknown[] | undefined>;
  for (const op of ['+', '*'] as const) {
    const pair = m[op];
    if (pair?.length !== 2) continue;
    const [a, b] = [(pair[0] || 0) as { var?: unknown }, (pair[1] || 0) as { var?: unknown }];
    if (!a.var || !b.var) continue;
    const fallback = op === '+' ? initial || 0 : initial === undefined ? 1 : initial;
    const found = (name: string) => a.var === name || b.var === name;
    if (found('accumulator') && found('current')) return { [op]: [{ [op]: list }, fallback] };
    if (op === '+') initial = fallback; // the reference keeps the `|| 0` for the `*` check
  }
  return undefined;
}

const REDUCE: OpSpec = {
  deterministic: iteratorDeterministic,
  compile: (c, raw, path) => {
    if (!Array.isArray(raw)) {
      c.problem(path, 'reduce needs [list, rule, initial]');
      return NULL_NODE;
    }
    const [list, rule, initialRaw] = raw as [unknown, unknown, unknown];
    const compiled = c.mode === 'compiled';
    if (!compiled && rule !== null && typeof rule === 'object') {
      const idiom = reduceIdiom(list, rule, initialRaw);
      if (idiom !== undefined) return c.compile(idiom, path);
    }
    const selector = c.compile(list, childPath(path, 0)).fn;
    const mapper = c.within(c.mode, true, () => c.compile(rule, childPath(path, 1))).fn;
    const initial = initialRaw === undefined ? undefined : c.compile(initialRaw, childPath(path, 2)).fn;
    const foldWith = (rt: Runtime) => (accumulator: unknown, current: unknown) => {
      // the per-element rule is a function of its own in the reference, with its own `prev`
      const saved = rt.prev;
      try {
        return flatAccumulator(mapper({ accumulator, current }, rt));
      } finally {
        rt.prev = saved;
      }
    };
    const walk = (value: unknown, rt: Runtime) => {
      const items = (value || []) as unknown[];
      spend(rt, sizeOf(items));
      return items;
    };
    // generated code: the list first, then the initial value; interpreter: the other way round
    const fn: Fn = compiled
      ? (data, rt) => {
          const items = walk(selector(data, rt), rt);
          if (initial === undefined) return items.reduce(foldWith(rt));
          return items.reduce(foldWith(rt), flatAccumulator(initial(data, rt)));
        }
      : (data, rt) => {
          const start = initial === undefined ? undefined : flatAccumulator(initial(data, rt));
          const items = walk(selector(data, rt), rt);
          return start === undefined ? items.reduce(foldWith(rt)) : items.reduce(foldWith(rt), start);
        };
    return { constant: false, fn };
  },
};

export const ITERATOR_OPS: Record<string, OpSpec> = {
  map: iterator('map'),
  filter: iterator('filter'),
  all: iterator('all'),
  some: iterator('some'),
  none: iterator('none'),
  reduce: REDUCE,
};

function missing(keys: unknown[], data: unknown, rt: Runtime, top: boolean): unknown[] {
  spend(rt, keys.length);
  const out: unknown[] = [];
  for (const key of keys) if (readPath(data, splitPath(String(key)), rt, top) === undefined) out.push(key);
  return out;
}

export const MISSING: OpSpec = {
  deterministic: (_c, raw) => Array.isArray(raw) && raw.length === 0,
  compile: (c, raw, path) => {
    const args = c.args(raw, path);
    const get = args.get;
    const top = !c.inIterator;
    return c.node((data, rt) => missing(get(data, rt), data, rt, top), args.nodes);
  },
};

export const MISSING_SOME: OpSpec = {
  deterministic: () => false,
  compile: (c, raw, path) => {
    const args = c.args(raw, path);
    const get = args.get;
    const top = !c.inIterator;
    return c.node((data, rt) => {
      const [need, options] = get(data, rt);
      if (!Array.isArray(options)) throw new LogicError('missing_some needs a list of keys');
      const absent = missing(options, data, rt, top);
      return options.length - absent.length >= (need as number) ? [] : absent;
    }, args.nodes);
  },
};

export function substr([text, from, end]: unknown[], rt: Runtime): string {
  if (typeof text !== 'string') throw new LogicError('substr needs a string');
  const start = from as number;
  let out: string;
  if ((end as number) < 0) {
    const rest = text.substr(start);
    out = rest.substr(0, rest.length + (end as number));
  } else out = text.substr(start, end as number);
  spend(rt, out.length);
  return out;
}

/** `merge`: the arguments, lists flattened one level; charged per item produced. */
export function merge(args: unknown[], rt: Runtime): unknown[] {
  let items = 0;
  for (const arg of args) items += Array.isArray(arg) ? arg.length : 1;
  spend(rt, items);
  return args.flat(1);
}

export function extremum(max: boolean) {
  return (values: unknown[]) => {
    if (values.length === 0 || typeof values[0] !== 'number') invalidArguments();
    let best = values[0] as number;
    for (const v of values) {
      if (typeof v !== 'number') invalidArguments();
      if (max ? v > best : v < best) best = v;
    }
    return best;
  };
}
