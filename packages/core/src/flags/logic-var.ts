import {
  childPath,
  type Fn,
  flagdObject,
  type LogicCompiler,
  type LogicNode,
  NULL_NODE,
  type OpSpec,
  type Runtime,
  readPath,
  wholeContext,
} from './logic-compile.js';
import { splitPath, step } from './logic-semantics.js';

/**
 * `var` in both regimes of the reference. Compiled: `context?.a?.b ?? default`. Optimized: one
 * key reads `data[key]`; two or three keys read `data && data.a && data.a.b` (so a falsy middle
 * value is the answer); anything else is the interpreter, where a final null stays null.
 */

const noFunction = (value: unknown) => (typeof value === 'function' ? null : value);

/** json-logic-engine's interpreted `var` over an evaluated key (or [key, default]). */
export function interpretedVar(arg: unknown, data: unknown, rt: Runtime, top: boolean): unknown {
  let key = arg;
  let fallback: unknown;
  if (Array.isArray(key)) {
    fallback = key[1];
    key = key[0];
  }
  const notFound = fallback === undefined ? null : fallback;
  if (key === undefined || key === null || key === '') return noFunction(top ? wholeContext(rt) : data);
  const value = readPath(data, splitPath(String(key)), rt, top);
  return value === undefined ? notFound : noFunction(value);
}

/** One property of the scope; at the top level `$flagd` is the runtime's. */
function prop(data: unknown, key: string, rt: Runtime, top: boolean): unknown {
  if (top && key === '$flagd') return flagdObject(rt);
  return step(data, key);
}

function compiledVar(c: LogicCompiler, raw: unknown, path: string): LogicNode | undefined {
  const lower = raw === null || typeof raw !== 'object' ? [raw] : raw;
  if (!Array.isArray(lower) || lower.length > 2) return undefined;
  const key: unknown = lower[0];
  const top = !c.inIterator;
  if (key === undefined || key === null || key === '') {
    return { constant: false, fn: (data, rt) => (top ? wholeContext(rt) : data) };
  }
  if ((typeof key !== 'string' && typeof key !== 'number') || String(key).includes('../')) return undefined;
  const fallback =
    lower.length > 1 && lower[1] !== undefined ? c.compile(lower[1], childPath(path, 1)) : NULL_NODE;
  const def = fallback.fn;
  const parts = splitPath(String(key));
  if (parts.length === 1 && parts[0] !== '$flagd') {
    const name = parts[0]!;
    return c.node(
      (data, rt) => {
        let value = step(data, name);
        if (value === null || value === undefined) value = def(data, rt);
        rt.prev = value;
        return noFunction(value);
      },
      [fallback],
    );
  }
  return c.node(
    (data, rt) => {
      const value = readPath(data, parts, rt, top) ?? def(data, rt);
      rt.prev = value;
      return noFunction(value);
    },
    [fallback],
  );
}

function optimizedVar(c: LogicCompiler, raw: unknown, path: string): LogicNode {
  const top = !c.inIterator;
  let args = raw;
  if (Array.isArray(args) && args.length === 1 && !Array.isArray(args[0])) args = args[0];
  if (args !== null && typeof args === 'object') {
    const node = c.compile(args, path);
    const get = node.fn;
    return c.node((data, rt) => interpretedVar(get(data, rt), data, rt, top), [node]);
  }
  if (!args)
    return { constant: false, fn: (data, rt) => noFunction(top ? wholeContext(rt) : (data ?? null)) };
  if (typeof args === 'number' || (typeof args === 'string' && !args.includes('.') && !args.includes('\\'))) {
    const key = String(args);
    return {
      constant: false,
      fn: (data, rt) => {
        if (!data) return null;
        const value = prop(data, key, rt, top);
        return value === undefined ? null : noFunction(value);
      },
    };
  }
  const key = String(args);
  const parts = splitPath(key);
  if (!key.startsWith('../') && (parts.length === 2 || parts.length === 3)) {
    const [a, b, third] = parts as [string, string, string | undefined];
    const fn: Fn = (data, rt) => {
      let value: unknown = data && prop(data, a, rt, top);
      value = value && step(value, b);
      if (third !== undefined) value = value && step(value, third);
      return value === undefined ? null : noFunction(value);
    };
    return { constant: false, fn };
  }
  return { constant: false, fn: (data, rt) => interpretedVar(key, data, rt, top) };
}

export const VAR: OpSpec = {
  deterministic: (_c, raw, inside) => inside && !String(raw).includes('../../'),
  compile: (c, raw, path) => {
    if (c.mode === 'compiled') {
      const fast = compiledVar(c, raw, path);
      if (fast) return fast;
      // a computed key: the reference calls its interpreted var with the evaluated argument
      const lower = raw === null || typeof raw !== 'object' ? [raw] : raw;
      const arg = Array.isArray(lower) && lower.length === 1 && !Array.isArray(lower[0]) ? lower[0] : lower;
      const node = c.compile(arg, path);
      const get = node.fn;
      const top = !c.inIterator;
      return c.node((data, rt) => interpretedVar(get(data, rt), data, rt, top), [node]);
    }
    return optimizedVar(c, raw, path);
  },
};
