import { sizeOf, spend } from './budget.js';
import {
  childPath,
  type LogicCompiler,
  NULL_NODE,
  type OpSpec,
  type Runtime,
  readPath,
} from './logic-compile.js';
import {
  invalidArguments,
  LogicError,
  notANumber,
  precoerceNumber,
  splitPath,
  truthy,
} from './logic-semantics.js';

/**
 * missing/missing_some, string and list helpers, arithmetic and iterators: supported as flagd
 * documents them; only `missing` takes part in the differential test.
 */

const byArgs = (c: LogicCompiler, raw: unknown, inside: boolean) => c.deterministic(raw, inside);

function toNumber(v: unknown): number {
  return +(precoerceNumber(v) as number);
}

function checked(result: number): number {
  if (Number.isNaN(result)) notANumber();
  return result;
}

type Arith = (values: unknown[]) => number;
const ARITHMETIC: Record<string, Arith> = {
  '+': (vs) => checked(vs.reduce<number>((sum, v) => sum + toNumber(v), 0)),
  '*': (vs) => checked(vs.reduce<number>((product, v) => product * toNumber(v), 1)),
  '-': (vs) => {
    if (vs.length === 0) invalidArguments();
    if (vs.length === 1) return checked(-toNumber(vs[0]));
    return checked(vs.slice(1).reduce<number>((acc, v) => acc - toNumber(v), toNumber(vs[0])));
  },
  '/': (vs) => {
    if (vs.length === 0) invalidArguments();
    const operands = vs.length === 1 ? [1, vs[0]] : vs;
    let acc = toNumber(operands[0]);
    for (let i = 1; i < operands.length; i++) acc /= checked(toNumber(operands[i]) || Number.NaN);
    return checked(acc);
  },
  '%': (vs) => {
    if (vs.length < 2) invalidArguments();
    return checked(vs.slice(1).reduce<number>((acc, v) => acc % toNumber(v), toNumber(vs[0])));
  },
};

function arithmetic(name: string): OpSpec {
  const apply = ARITHMETIC[name]!;
  return {
    deterministic: byArgs,
    compile: (c, raw, path) => {
      const args = c.args(raw, path);
      const get = args.get;
      return c.node((data, rt) => apply(get(data, rt)), args.nodes);
    },
  };
}

export const ARITHMETIC_OPS: Record<string, OpSpec> = Object.fromEntries(
  Object.keys(ARITHMETIC).map((name) => [name, arithmetic(name)]),
);

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

const REDUCE: OpSpec = {
  deterministic: iteratorDeterministic,
  compile: (c, raw, path) => {
    if (!Array.isArray(raw)) {
      c.problem(path, 'reduce needs [list, rule, initial]');
      return NULL_NODE;
    }
    const selector = c.compile(raw[0], childPath(path, 0)).fn;
    const mapper = c.within(c.mode, true, () => c.compile(raw[1], childPath(path, 1))).fn;
    const initial = raw[2] === undefined ? undefined : c.compile(raw[2], childPath(path, 2)).fn;
    return {
      constant: false,
      fn: (data, rt) => {
        const items = (selector(data, rt) || []) as unknown[];
        spend(rt, sizeOf(items));
        const step = (accumulator: unknown, current: unknown) => {
          const saved = rt.prev;
          try {
            return mapper({ accumulator, current }, rt);
          } finally {
            rt.prev = saved;
          }
        };
        return initial === undefined ? items.reduce(step) : items.reduce(step, initial(data, rt));
      },
    };
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
