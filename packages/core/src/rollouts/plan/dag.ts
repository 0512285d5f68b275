/** The stage graph: topological order (plan order breaks ties) and cycle detection. */

export interface DagNode {
  name: string;
  dependencies: readonly string[];
}

/** Kahn's algorithm; among ready stages the one written first goes first. Throws on a cycle. */
export function topoOrder(nodes: readonly DagNode[]): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < nodes.length) {
    const next = nodes.find((n) => !done.has(n.name) && n.dependencies.every((d) => done.has(d)));
    if (!next) throw new Error(`dependency cycle: ${(findCycle(nodes) ?? []).join(' -> ')}`);
    done.add(next.name);
    order.push(next.name);
  }
  return order;
}

/** A cycle as a path that returns to its start (`a -> b -> a`), or undefined. */
export function findCycle(nodes: readonly DagNode[]): string[] | undefined {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, 'open' | 'closed'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const mark = state.get(name);
    if (mark === 'closed') return undefined;
    if (mark === 'open') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'open');
    stack.push(name);
    for (const dep of byName.get(name)?.dependencies ?? []) {
      if (!byName.has(dep)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'closed');
    return undefined;
  };
  for (const n of nodes) {
    const found = visit(n.name);
    // Printed in the direction work flows: a stage before the stages that depend on it.
    if (found) return found.reverse();
  }
  return undefined;
}

/** Every stage that depends on `name`, directly or not. */
export function dependents(nodes: readonly DagNode[], name: string): Set<string> {
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of nodes) {
      if (out.has(n.name)) continue;
      if (n.dependencies.some((d) => d === name || out.has(d))) {
        out.add(n.name);
        grew = true;
      }
    }
  }
  return out;
}
