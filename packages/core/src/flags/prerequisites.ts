import type { FlagDefinition } from './schema.js';

export interface GraphProblem {
  path: string;
  message: string;
}

function flagPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `flags.${key}` : `flags[${JSON.stringify(key)}]`;
}

/**
 * Checks Sluice prerequisites: each names an existing flag and existing variants of it, and the
 * prerequisite graph has no cycle (reported once per cycle, as `a -> b -> a`). `having`: the keys
 * of the flags that have prerequisites, in document order, when the caller knows them (a flag
 * without any has nothing to check and closes no cycle: a 10,000-flag set with a few is quick).
 */
export function checkPrerequisites(
  flags: Readonly<Record<string, FlagDefinition>>,
  having: readonly string[] = Object.keys(flags),
): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (const key of having) {
    const flag = flags[key] as FlagDefinition;
    (flag.prerequisites ?? []).forEach((pre, i) => {
      const path = `${flagPath(key)}.prerequisites[${i}]`;
      const target = Object.hasOwn(flags, pre.flag) ? flags[pre.flag] : undefined;
      if (!target) {
        problems.push({ path: `${path}.flag`, message: `no flag "${pre.flag}" in this set` });
        return;
      }
      pre.variants.forEach((variant, j) => {
        if (!Object.hasOwn(target.variants, variant)) {
          problems.push({
            path: `${path}.variants[${j}]`,
            message: `"${variant}" is not a variant of "${pre.flag}" (${Object.keys(target.variants).join(', ')})`,
          });
        }
      });
    });
  }

  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const visit = (key: string): void => {
    state.set(key, 'visiting');
    stack.push(key);
    for (const pre of flags[key]?.prerequisites ?? []) {
      if (!Object.hasOwn(flags, pre.flag)) continue;
      const mark = state.get(pre.flag);
      if (mark === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(pre.flag)), pre.flag];
        const id = [...new Set(cycle)].sort().join('\u0000');
        if (!seen.has(id)) {
          seen.add(id);
          problems.push({
            path: `${flagPath(cycle[0]!)}.prerequisites`,
            message: `prerequisite cycle: ${cycle.join(' -> ')}`,
          });
        }
      } else if (mark === undefined) visit(pre.flag);
    }
    stack.pop();
    state.set(key, 'done');
  };
  for (const key of having) if (!state.has(key)) visit(key);
  return problems;
}
