import { sizeOf, spend } from './budget.js';
import { ARITHMETIC_OPS } from './logic-arithmetic.js';
import {
  childPath,
  type Fn,
  type LogicCompiler,
  NULL_NODE,
  type OpSpec,
  type Runtime,
} from './logic-compile.js';
import { extremum, ITERATOR_OPS, MISSING, MISSING_SOME, merge, substr } from './logic-ops-extra.js';
import {
  COMPARISONS,
  type Comparison,
  compareCheck,
  compareInterpreted,
  concatPiece,
  invalidArguments,
  LogicError,
  truthy,
} from './logic-semantics.js';
import { VAR } from './logic-var.js';

/** The standard JsonLogic operations flagd documents, in both regimes of the reference. */

/** Determinism of an ordinary operation: its arguments' determinism. */
export const byArgs = (c: LogicCompiler, raw: unknown, inside: boolean) => c.deterministic(raw, inside);

const IF: OpSpec = {
  deterministic: byArgs,
  compile: (c, raw, path) => {
    // the reference compiles an `if` of 3+ operands; the optimizer inlines only exactly 3
    const eager = Array.isArray(raw) && (c.mode === 'compiled' ? raw.length >= 3 : raw.length === 3);
    if (!Array.isArray(raw)) return { constant: false, fn: () => invalidArguments() };
    if (raw.length === 0) return NULL_NODE;
    // the reference's lazy `if` (interpreter): children run through the optimized regime on demand
    const nodes = raw.map((item, i) =>
      eager ? c.compile(item, childPath(path, i)) : c.unit(item, childPath(path, i)),
    );
    if (nodes.length === 1) return nodes[0]!;
    const otherwise = (nodes.length % 2 === 1 ? nodes[nodes.length - 1]! : NULL_NODE).fn;
    const pairs = Math.floor(nodes.length / 2);
    const conds = Array.from({ length: pairs }, (_, i) => nodes[2 * i]!.fn);
    const thens = Array.from({ length: pairs }, (_, i) => nodes[2 * i + 1]!.fn);
    const fn: Fn =
      pairs === 1
        ? (data, rt) => (truthy(conds[0]!(data, rt)) ? thens[0]!(data, rt) : otherwise(data, rt))
        : (data, rt) => {
            for (let i = 0; i < pairs; i++) if (truthy(conds[i]!(data, rt))) return thens[i]!(data, rt);
            return otherwise(data, rt);
          };
    return eager ? c.node(fn, nodes) : { constant: false, fn };
  },
};

function logical(isOr: boolean): OpSpec {
  return {
    deterministic: byArgs,
    compile: (c, raw, path) => {
      if (!Array.isArray(raw)) return { constant: false, fn: () => invalidArguments() };
      if (raw.length === 0) return NULL_NODE;
      const compiled = c.mode === 'compiled';
      const nodes = raw.map((item, i) =>
        compiled ? c.compile(item, childPath(path, i)) : c.unit(item, childPath(path, i)),
      );
      const fns = nodes.map((n) => n.fn);
      const n = fns.length;
      const fn: Fn = compiled
        ? (data, rt) => {
            let item: unknown;
            for (let i = 0; i < n; i++) {
              item = fns[i]!(data, rt);
              rt.prev = item;
              if (truthy(item) === isOr) return item;
            }
            return item;
          }
        : (data, rt) => {
            let item: unknown;
            for (let i = 0; i < n; i++) {
              item = fns[i]!(data, rt);
              if (truthy(item) === isOr) return item;
            }
            return item;
          };
      return compiled ? c.node(fn, nodes) : { constant: false, fn };
    },
  };
}

/** The optimizer's two-operand comparison (numeric unless both are strings or null). */
function pairwise(op: Comparison, strict: boolean): Comparison {
  return (a, b) => compareInterpreted(op, strict, [a, b]);
}

function comparison(name: string): OpSpec {
  const op = COMPARISONS[name]!;
  const strict = name.length === 3;
  const pair = pairwise(op, strict);
  return {
    deterministic: byArgs,
    compile: (c, raw, path) => {
      if (Array.isArray(raw) && raw.length < 2) c.problem(path, `${name} needs at least two operands`, true);
      if (!Array.isArray(raw) || raw.length < 2) return { constant: false, fn: () => invalidArguments() };
      if (c.mode === 'optimized' && raw.length > 3) {
        // the interpreter's loop, evaluating operands one at a time
        const units = raw.map((item, i) => c.unit(item, childPath(path, i)).fn);
        return {
          constant: false,
          fn: (data, rt) => {
            let prev = units[0]!(data, rt);
            for (let i = 1; i < units.length; i++) {
              const current = units[i]!(data, rt);
              if (!compareInterpreted(op, strict, [prev, current])) return false;
              prev = current;
            }
            return true;
          },
        };
      }
      const nodes = raw.map((item, i) => c.compile(item, childPath(path, i)));
      const fns = nodes.map((n) => n.fn);
      const [a, b, third] = fns as [Fn, Fn, Fn | undefined];
      let fn: Fn;
      if (c.mode === 'optimized') {
        fn = third
          ? (data, rt) => {
              const middle = b(data, rt);
              return pair(a(data, rt), middle) && pair(middle, third(data, rt));
            }
          : (data, rt) => pair(a(data, rt), b(data, rt));
      } else if (fns.length === 2) {
        // generated code: (prev = a) OP compareCheck(b, prev) — b may overwrite prev first
        const right = nodes[1]!;
        if (right.constant) {
          const value = right.value;
          fn = (data, rt) => {
            const left = a(data, rt);
            rt.prev = left;
            return op(left, compareCheck(value, left, strict));
          };
        } else {
          fn = (data, rt) => {
            const left = a(data, rt);
            rt.prev = left;
            const value = b(data, rt);
            return op(left, compareCheck(value, rt.prev, strict));
          };
        }
      } else {
        // ((prev = a) OP (prev = compareCheck(b, prev))) && prev OP (prev = compareCheck(c, prev)) ...
        fn = (data, rt) => {
          rt.prev = a(data, rt);
          for (let i = 1; i < fns.length; i++) {
            const left = rt.prev;
            const right = fns[i]!(data, rt);
            const current = compareCheck(right, rt.prev, strict);
            rt.prev = current;
            if (!op(left, current)) return false;
          }
          return true;
        };
      }
      return c.node(fn, nodes);
    },
  };
}

function negation(double: boolean): OpSpec {
  return {
    deterministic: byArgs,
    compile: (c, raw, path) => {
      const finish = (v: unknown) => (double ? truthy(v) : !truthy(v));
      if (c.mode === 'compiled') {
        const node = Array.isArray(raw) ? c.compile(raw[0], childPath(path, 0)) : c.compile(raw, path);
        const f = node.fn;
        return c.node((data, rt) => finish(f(data, rt)), [node]);
      }
      // optimized: a one-element list is unwrapped, then an array value means its first element
      const single = Array.isArray(raw) && raw.length === 1 && !Array.isArray(raw[0]);
      const node = single ? c.compile((raw as unknown[])[0], childPath(path, 0)) : c.compile(raw, path);
      const f = node.fn;
      return c.node(
        (data, rt) => {
          const v = f(data, rt);
          return finish(Array.isArray(v) ? v[0] : v);
        },
        [node],
      );
    },
  };
}

function inArray(item: unknown, container: unknown, rt: Runtime): boolean {
  const within = container || [];
  spend(rt, sizeOf(within));
  if (Array.isArray(within)) return within.includes(item);
  if (typeof within === 'string') return within.includes(String(item));
  throw new LogicError('"in" needs an array or a string');
}

const IN: OpSpec = {
  deterministic: byArgs,
  compile: (c, raw, path) => {
    const args = c.args(raw, path);
    if (Array.isArray(raw) && raw.length >= 2) {
      const [item, container] = [args.nodes[0]!, args.nodes[1]!];
      const fi = item.fn;
      if (container.constant && Array.isArray(container.value) && container.value.length > 8) {
        // a literal list (an allow-list): one lookup, same SameValueZero test as includes()
        const members = new Set(container.value);
        return c.node((data, rt) => members.has(fi(data, rt)), args.nodes);
      }
      const fc = container.fn;
      return c.node((data, rt) => inArray(fi(data, rt), fc(data, rt), rt), args.nodes);
    }
    const get = args.get;
    return c.node((data, rt) => {
      const [a, b] = get(data, rt);
      return inArray(a, b, rt);
    }, args.nodes);
  },
};

/** The interpreter's `cat`: a string stays, an array joins without null/undefined, else toString. */
function catMethod(value: unknown, rt: Runtime): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) {
    if (value === null || value === undefined) throw new LogicError(`cannot concatenate ${value}`);
    return concatPiece(value);
  }
  let out = '';
  for (const piece of value) if (piece !== null && piece !== undefined) out += concatPiece(piece);
  spend(rt, out.length);
  return out;
}

const CAT: OpSpec = {
  deterministic: byArgs,
  compile: (c, raw, path) => {
    if (c.mode === 'compiled') {
      if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
        const node = c.compile(raw, path);
        const f = node.fn;
        return c.node((data, rt) => catMethod(f(data, rt), rt), [node]);
      }
      // compiled: '' + a + b (null becomes "null")
      const nodes = (Array.isArray(raw) ? raw : [raw]).map((item, i) => c.compile(item, childPath(path, i)));
      const fns = nodes.map((n) => n.fn);
      return c.node((data, rt) => {
        let out = '';
        for (const f of fns) out += concatPiece(f(data, rt));
        spend(rt, out.length);
        return out;
      }, nodes);
    }
    const single = !Array.isArray(raw) || (raw.length === 1 && !Array.isArray(raw[0]));
    const node = c.compile(Array.isArray(raw) && single ? raw[0] : raw, path);
    const f = node.fn;
    return c.node((data, rt) => catMethod(f(data, rt), rt), [node]);
  },
};

/** An eager operation over its evaluated argument list. */
export function eager(impl: (args: unknown[], rt: Runtime) => unknown): OpSpec {
  return {
    deterministic: byArgs,
    compile: (c, raw, path) => {
      const args = c.args(raw, path);
      const get = args.get;
      return c.node((data, rt) => impl(get(data, rt), rt), args.nodes);
    },
  };
}

export const STANDARD_OPS: Readonly<Record<string, OpSpec>> = {
  var: VAR,
  missing: MISSING,
  missing_some: MISSING_SOME,
  if: IF,
  '?:': IF,
  and: logical(false),
  or: logical(true),
  ...Object.fromEntries(Object.keys(COMPARISONS).map((name) => [name, comparison(name)])),
  '!': negation(false),
  not: negation(false),
  '!!': negation(true),
  in: IN,
  cat: CAT,
  substr: eager(substr),
  merge: eager(merge),
  max: eager(extremum(true)),
  min: eager(extremum(false)),
  ...ARITHMETIC_OPS,
  ...ITERATOR_OPS,
};
