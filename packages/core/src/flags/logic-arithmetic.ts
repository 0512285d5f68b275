/**
 * `+ - * / %` in both regimes of the reference (json-logic-engine 5, see logic-compile.ts), which
 * differ more here than anywhere else:
 *
 * - compiled, literal operand list: each operand is coerced as the code generator does — a
 *   literal string, array or `{}` is converted when the rule is built (`"abc"` or a literal
 *   divisor 0 can only fail: a compile problem), `null`/`false` are 0, anything computed is
 *   `+precoerceNumber(x)` at run time — and the result must be a number;
 * - compiled, one computed operand (`{"+": {"var": "xs"}}`): a list is folded without the final
 *   number check (NaN can come out), anything else is coerced; `+`, `-` and `/` pass it through
 *   the shared `prev`;
 * - optimized: the interpreter's methods; `+` and `-` take a single operand as is (unary), the
 *   others wrap it in a list.
 */
import { childPath, type Fn, type LogicCompiler, type LogicNode, type OpSpec } from './logic-compile.js';
import { invalidArguments, notANumber, precoerceNumber } from './logic-semantics.js';

const byArgs = (c: LogicCompiler, raw: unknown, inside: boolean) => c.deterministic(raw, inside);
const isObject = (v: unknown) => v !== null && typeof v === 'object';

/** The interpreter's methods over their (already evaluated) argument. */
const METHODS: Record<string, (data: unknown) => number> = {
  '+': (data) => {
    if (!data) return 0;
    if (typeof data === 'string' || typeof data === 'number' || typeof data === 'boolean')
      return precoerceNumber(+data) as number;
    if (!Array.isArray(data)) return notANumber();
    let res = 0;
    for (const item of data) {
      if (isObject(item)) notANumber();
      res += +(item as number);
    }
    if (Number.isNaN(res)) notANumber();
    return res;
  },
  '*': (data) => {
    const list = data as unknown[];
    if (list.length === 0) return 1;
    let res = 1;
    for (const item of list) {
      if (isObject(item)) notANumber();
      res *= +(item as number);
    }
    if (Number.isNaN(res)) notANumber();
    return res;
  },
  '/': (data) => {
    const list = data as unknown[];
    if (isObject(list[0])) notANumber();
    if (list.length === 0) invalidArguments();
    if (list.length === 1) {
      if (!+(list[0] as number)) notANumber();
      return 1 / +(list[0] as number);
    }
    let res = +(list[0] as number);
    for (let i = 1; i < list.length; i++) {
      if (isObject(list[i]) || !list[i]) notANumber();
      res /= +(list[i] as number);
    }
    if (Number.isNaN(res) || res === Number.POSITIVE_INFINITY) notANumber();
    return res;
  },
  '-': (data) => {
    if (!data) return 0;
    if (typeof data === 'string' || typeof data === 'number' || typeof data === 'boolean')
      return precoerceNumber(-data) as number;
    if (!Array.isArray(data)) return notANumber();
    if (isObject(data[0])) notANumber();
    if (data.length === 0) invalidArguments();
    if (data.length === 1) return -data[0];
    let res = data[0] as number;
    for (let i = 1; i < data.length; i++) {
      if (isObject(data[i])) notANumber();
      res -= +(data[i] as number);
    }
    if (Number.isNaN(res)) notANumber();
    return res;
  },
  '%': (data) => {
    const list = data as unknown[];
    if (isObject(list[0])) notANumber();
    if (list.length < 2) invalidArguments();
    let res = +(list[0] as number);
    for (let i = 1; i < list.length; i++) {
      if (isObject(list[i])) notANumber();
      res %= +(list[i] as number);
    }
    if (Number.isNaN(res)) notANumber();
    return res;
  },
};

/** `+` and `-` take one operand as it is; the others always get a list. */
const UNARY = new Set(['+', '-']);

function optimized(name: string, c: LogicCompiler, raw: unknown, path: string): LogicNode {
  const method = METHODS[name]!;
  let args = raw;
  if ((!args || typeof args !== 'object') && !UNARY.has(name)) args = [args];
  if (Array.isArray(args) && args.length === 1 && UNARY.has(name) && !Array.isArray(args[0])) args = args[0];
  if (Array.isArray(args)) {
    const nodes = args.map((item, i) => c.compile(item, childPath(path, i)));
    const fns = nodes.map((n) => n.fn);
    return c.node((data, rt) => method(fns.map((f) => f(data, rt))), nodes);
  }
  const node = c.compile(args, path);
  const f = node.fn;
  const wrap = !UNARY.has(name);
  return c.node(
    (data, rt) => {
      const value = f(data, rt);
      return method(wrap && !Array.isArray(value) ? [value] : value);
    },
    [node],
  );
}

/**
 * One operand of a literal list, as the code generator coerces it: a number known when the rule
 * is built, a function of the context, or a failure now (`fails`). `plusZero`: written `+0`,
 * which a divisor may not be.
 */
type Coerced = { value: number; plusZero: boolean } | { fn: Fn } | { fails: true };

function coerceOperand(c: LogicCompiler, item: unknown, path: string): Coerced {
  if (Array.isArray(item)) return { fails: true };
  if (typeof item === 'number' || typeof item === 'boolean') return { value: +item, plusZero: item === 0 };
  if (typeof item === 'string') {
    const n = +item;
    return Number.isNaN(n) ? { fails: true } : { value: n, plusZero: n === 0 };
  }
  // `{}` is written into the code as text, which cannot be a number
  if (isObject(item) && Object.keys(item as object).length === 0) return { fails: true };
  const node = c.compile(item, path);
  if (!node.constant) {
    const f = node.fn;
    return { fn: (data, rt) => +(precoerceNumber(f(data, rt)) as number) };
  }
  // a folded value, read back from the generated code's text
  const v = node.value;
  if (typeof v === 'number' && Number.isFinite(v)) return { value: v, plusZero: v === 0 };
  if (typeof v === 'string') {
    const n = +v;
    return Number.isNaN(n) ? { fails: true } : { value: n, plusZero: n === 0 };
  }
  if (v === true) return { value: 1, plusZero: false };
  if (v === false || v === null) return { value: 0, plusZero: false };
  // lists, objects, non-finite numbers are kept aside and coerced when the rule runs
  return { fn: () => +(precoerceNumber(v) as number) };
}

type Combine = (values: number[]) => number;
const COMBINE: Record<string, Combine> = {
  '+': (vs) => vs.reduce((a, b) => a + b, 0),
  '-': (vs) =>
    vs.length === 1 ? -(precoerceNumber(vs[0]) as number) : vs.slice(1).reduce((a, b) => a - b, vs[0]!),
  '*': (vs) => vs.reduce((a, b) => a * b, 1),
  '/': (vs) => vs.slice(1).reduce((a, b) => a / b, vs[0]!),
  '%': (vs) => vs.slice(1).reduce((a, b) => a % b, vs[0]!),
};

function compiledList(name: string, c: LogicCompiler, list: unknown[], path: string): LogicNode {
  if (list.length === 0) {
    if (name === '+') return { fn: () => 0, constant: false };
    if (name === '*') return { fn: () => 1, constant: false };
    return buildFailure(c, path, 'invalid arguments');
  }
  if (name === '%' && list.length < 2) return buildFailure(c, path, 'invalid arguments');
  const operands = name === '/' && list.length === 1 ? [1, list[0]] : list;
  const coerced = operands.map((item, i) =>
    name === '/' && list.length === 1 && i === 0
      ? ({ value: 1, plusZero: false } as Coerced)
      : coerceOperand(c, item, childPath(path, name === '/' && list.length === 1 ? 0 : i)),
  );
  if (coerced.some((x) => 'fails' in x)) return buildFailure(c, path, 'operand is not a number');
  // a literal divisor written +0 is refused when the rule is built; others fail at run time
  if (name === '/' && coerced.some((x, i) => i > 0 && 'plusZero' in x && x.plusZero))
    return buildFailure(c, path, 'operand is not a number');
  const parts = coerced.map((x, i) => {
    const get: Fn = 'value' in x ? () => x.value : (x as { fn: Fn }).fn;
    if (name !== '/' || i === 0) return get;
    return (data: unknown, rt: Parameters<Fn>[1]) => precoerceNumber(get(data, rt) || Number.NaN) as number;
  });
  const combine = COMBINE[name]!;
  const negate = name === '-' && parts.length === 1;
  return {
    constant: false,
    fn: (data, rt) => {
      const values = parts.map((p) => p(data, rt) as number);
      if (negate) return -(precoerceNumber(values[0]) as number);
      return precoerceNumber(combine(values)) as number;
    },
  };
}

/** One computed operand: the generated code's fold over a list, or a coercion. */
function compiledSingle(name: string, c: LogicCompiler, raw: unknown, path: string): LogicNode {
  const node = c.compile(raw, path);
  const f = node.fn;
  const num = (v: unknown) => +(precoerceNumber(v) as number);
  const asList = (v: unknown) => {
    if (!Array.isArray(v)) throw new TypeError('not a list');
    return v;
  };
  const atLeast = (v: unknown, n: number) => {
    if (!Array.isArray(v) || v.length < n) invalidArguments();
    return v as unknown[];
  };
  const fns: Record<string, Fn> = {
    '+': (data, rt) => {
      const v = f(data, rt);
      rt.prev = v;
      return Array.isArray(v) ? v.reduce<number>((a, b) => +a + num(b), 0) : precoerceNumber(+(v as number));
    },
    '-': (data, rt) => {
      const v = f(data, rt);
      rt.prev = v;
      if (!Array.isArray(v)) return -(precoerceNumber(+(v as number)) as number);
      if (v.length === 1) return -(precoerceNumber(v[0]) as number);
      return atLeast(v, 1).reduce((a, b) => num(a) - num(b));
    },
    '*': (data, rt) => asList(f(data, rt)).reduce<number>((a, b) => num(a) * num(b), 1),
    '/': (data, rt) => {
      const v = f(data, rt);
      rt.prev = v;
      const list = atLeast(v, 1);
      if (list.length === 1) return 1 / (precoerceNumber(list[0] || Number.NaN) as number);
      return list.reduce((a, b) => num(a) / num(b || Number.NaN));
    },
    '%': (data, rt) => atLeast(f(data, rt), 2).reduce((a, b) => num(a) % num(b)),
  };
  return c.node(fns[name]!, [node]);
}

function buildFailure(c: LogicCompiler, path: string, why: string): LogicNode {
  c.problem(path, `this expression always fails: ${why}`);
  return {
    constant: false,
    fn: () => invalidArguments(),
  };
}

function arithmetic(name: string): OpSpec {
  return {
    deterministic: byArgs,
    compile: (c, raw, path) => {
      if (c.mode === 'optimized') return optimized(name, c, raw, path);
      const lower = !raw || typeof raw !== 'object' ? [raw] : raw;
      return Array.isArray(lower) ? compiledList(name, c, lower, path) : compiledSingle(name, c, lower, path);
    },
  };
}

export const ARITHMETIC_OPS: Record<string, OpSpec> = Object.fromEntries(
  Object.keys(METHODS).map((name) => [name, arithmetic(name)]),
);
