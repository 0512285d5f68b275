/**
 * Variants a targeting rule names: the literals it can return as its result. A rule that names a
 * variant the flag does not have answers `GENERAL: variant 'of' not found` for the users who reach
 * it, so writes refuse it (flagd files load it with a warning: flagd accepts it).
 */
import { childPath, type LogicEnv } from './logic-compile.js';

export interface NamedVariant {
  name: string;
  path: string;
}

const isOp = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1;

/**
 * The literals at result positions of `rule`: the rule itself, the branches of `if`, the operands
 * of `and`/`or` (they return one of them), a `var` default, the variant of each `fractional`
 * bucket, and the same inside a `$ref`'s shared rule. Computed results are not names; a literal
 * `true` or `1` names the variant `"true"` or `"1"`, as flagd reads it.
 */
export function namedVariants(rule: unknown, path: string, env: LogicEnv): NamedVariant[] {
  const out: NamedVariant[] = [];
  const stack: [unknown, string, boolean][] = [[rule, path, false]];
  while (stack.length > 0) {
    const [node, at, inRef] = stack.pop()!;
    if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') {
      out.push({ name: String(node), path: at });
      continue;
    }
    if (!isOp(node)) continue;
    const op = Object.keys(node)[0]!;
    const raw = node[op];
    const here = childPath(at, op);
    const list = Array.isArray(raw) ? raw : [raw];
    switch (op) {
      case 'if':
      case '?:':
        list.forEach((item, i) => {
          const last = i === list.length - 1 && list.length % 2 === 1;
          if (i % 2 === 1 || last) stack.push([item, childPath(here, i), inRef]);
        });
        break;
      case 'and':
      case 'or':
        for (let i = 0; i < list.length; i++) stack.push([list[i], childPath(here, i), inRef]);
        break;
      case 'var':
        if (Array.isArray(raw) && raw.length === 2) stack.push([raw[1], childPath(here, 1), inRef]);
        break;
      case 'fractional': {
        const start = Array.isArray(list[0]) ? 0 : 1;
        for (let i = start; i < list.length; i++) {
          const bucket = list[i];
          if (Array.isArray(bucket) && bucket.length > 0)
            stack.push([bucket[0], childPath(childPath(here, i), 0), inRef]);
        }
        break;
      }
      case '$ref': {
        // shared rules cannot use $ref (the compiler reports that), so one level is enough
        const found = typeof raw === 'string' && !inRef ? env.ref(raw) : undefined;
        if (typeof found === 'object') stack.push([found.raw, found.path, true]);
        break;
      }
    }
  }
  return out.reverse();
}
