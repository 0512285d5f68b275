import {
  CostExceeded,
  MAX_ARRAY_ITEMS,
  MAX_EVALUATION_COST,
  MAX_FLAG_OPERATIONS,
  MAX_SET_OPERATIONS,
  spend,
} from './budget.js';
import type { Runtime } from './logic-runtime.js';
import { LogicError, splitPath } from './logic-semantics.js';

/**
 * Compiles flagd JsonLogic into closures, `(data, rt) => value`; `data` is the evaluation context
 * at the top level and the current element inside map/filter/all/some/none/reduce.
 *
 * The reference (flagd-core on json-logic-engine 5) runs a rule in two regimes with slightly
 * different semantics, and we follow both: `compiled` (its code generator, used from the root down
 * to the first lazy operation it cannot compile, such as a two-argument `if`) and `optimized` (its
 * interpreter with the optimiser, used below that point and for constant folding). Sub-trees that
 * do not read the context are folded to constants at compile time as the reference does: in the
 * compiled regime a constant that fails is a compile problem (flagd-core: PARSE_ERROR); in the
 * optimized regime it fails when its enclosing lazily-evaluated unit runs (GENERAL).
 */

export type Fn = (data: unknown, rt: Runtime) => unknown;
export type Mode = 'compiled' | 'optimized';

export interface LogicNode {
  readonly fn: Fn;
  readonly constant: boolean;
  readonly value?: unknown;
  /** Optimized regime: a constant part of this node always fails (with this error). */
  readonly failing?: unknown;
}

export interface LogicProblem {
  path: string;
  message: string;
  /** A rule flagd would accept (and answer with a default) but Sluice rejects when writing. */
  strictOnly: boolean;
  /** Over the cost budget (budget.ts): refused by every write, whatever the mode. */
  overBudget?: boolean;
}

/**
 * What a whole flag set may still spend while it compiles: operations (after inlining) and work
 * units of the constant sub-rules run at compile time. Shared by the compilers of one set.
 */
export interface CompileAllowance {
  operations: number;
  foldUnits: number;
}

/** A fresh allowance for one flag set: ten evaluations' worth of constant work in all. */
export function setAllowance(): CompileAllowance {
  return { operations: MAX_SET_OPERATIONS, foldUnits: MAX_EVALUATION_COST * 10 };
}

/** What the compiler asks its host for: shared `$evaluators` and named segments, as raw JSON. */
export interface LogicEnv {
  ref(name: string): { raw: unknown; path: string } | string;
  segment(name: string): { raw: unknown; path: string } | string;
}

export interface OpSpec {
  compile: (c: LogicCompiler, raw: unknown, path: string) => LogicNode;
  /** json-logic-engine's determinism: false for context readers and custom operations. */
  deterministic: (c: LogicCompiler, raw: unknown, insideIterator: boolean) => boolean;
}

export function constantNode(value: unknown): LogicNode {
  return { fn: () => value, constant: true, value };
}

export const NULL_NODE = constantNode(null);

const FOLD_RUNTIME: Runtime = {
  ctx: {},
  flagKey: '',
  timestamp: null,
  clock: undefined,
  merged: undefined,
  prev: undefined,
  budget: 0,
};

/** `path.key`, or `path["odd-key"]` when the key is not an identifier. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  let identifier = IDENTIFIER_KEYS.get(key);
  if (identifier === undefined) {
    identifier = /^[A-Za-z_$][\w$]*$/.test(key);
    // operation names repeat in every rule; remembering them spares the regex per node
    if (IDENTIFIER_KEYS.size < 1024) IDENTIFIER_KEYS.set(key, identifier);
  }
  if (identifier) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

const IDENTIFIER_KEYS = new Map<string, boolean>();

function thrower(error: unknown): Fn {
  return () => {
    throw error;
  };
}

export class LogicCompiler {
  readonly problems: LogicProblem[] = [];
  mode: Mode = 'compiled';
  /** True while compiling the per-element rule of an iterator (var reads the element). */
  inIterator = false;
  private refDepth = 0;
  private segmentDepth = 0;
  /** What this rule (one flag's targeting) may still spend; see budget.ts. */
  private operations = MAX_FLAG_OPERATIONS;
  private foldUnits = MAX_EVALUATION_COST;
  private overBudget = false;

  constructor(
    private readonly ops: Readonly<Record<string, OpSpec>>,
    readonly env: LogicEnv,
    private readonly allowance: CompileAllowance = setAllowance(),
  ) {}

  problem(path: string, message: string, strictOnly = false): void {
    this.problems.push({ path, message, strictOnly });
  }

  /** Records that the rule is over its budget (once: the rest of it is not compiled). */
  private overspent(path: string, message: string): void {
    if (this.overBudget) return;
    this.overBudget = true;
    this.problems.push({ path, message, strictOnly: false, overBudget: true });
  }

  /** Counts one operation against the rule and the set; false once either is spent. */
  private chargeOperation(path: string): boolean {
    if (this.overBudget) return false;
    if (--this.operations < 0) {
      this.overspent(path, `the rule has more than ${MAX_FLAG_OPERATIONS.toLocaleString('en')} operations`);
      return false;
    }
    if (--this.allowance.operations < 0) {
      this.overspent(
        path,
        `the flag set's rules have more than ${MAX_SET_OPERATIONS.toLocaleString('en')} operations in all`,
      );
      return false;
    }
    return true;
  }

  /** A literal list longer than the budget allows is refused, not compiled. */
  private checkArray(items: readonly unknown[], path: string): boolean {
    if (items.length <= MAX_ARRAY_ITEMS) return true;
    this.overspent(path, `a list in a rule holds at most ${MAX_ARRAY_ITEMS.toLocaleString('en')} items`);
    return false;
  }

  compile(node: unknown, path: string): LogicNode {
    if (node === null || typeof node !== 'object') return constantNode(node);
    if (Array.isArray(node)) return this.checkArray(node, path) ? this.compileArray(node, path) : NULL_NODE;
    const keys = Object.keys(node);
    if (keys.length === 0) return constantNode(node);
    if (keys.length > 1) {
      this.problem(
        path,
        `an operation object must have exactly one key, found ${keys.length}: ${keys.join(', ')}`,
      );
      return NULL_NODE;
    }
    const op = keys[0]!;
    const raw = (node as Record<string, unknown>)[op];
    if (!this.chargeOperation(path)) return NULL_NODE;
    if (op === '$ref') return this.compileRef(raw, childPath(path, op));
    const spec = Object.hasOwn(this.ops, op) ? this.ops[op] : undefined;
    if (!spec) {
      this.problem(path, `unknown JsonLogic operation "${op}"`);
      return NULL_NODE;
    }
    if (spec.deterministic(this, raw, false)) return this.fold(spec, raw, childPath(path, op));
    return spec.compile(this, raw, childPath(path, op));
  }

  /**
   * Whether `node` reads nothing from the context (json-logic-engine's isDeterministic).
   * `insideIterator`: judging an iterator's per-element rule, where reading the element is fine.
   */
  deterministic(node: unknown, insideIterator = false): boolean {
    if (node === null || typeof node !== 'object') return true;
    if (Array.isArray(node)) return node.every((item) => this.deterministic(item, insideIterator));
    const keys = Object.keys(node);
    if (keys.length === 0) return true;
    const op = keys[0]!;
    const raw = (node as Record<string, unknown>)[op];
    if (keys.length > 1) return false;
    if (op === '$ref') {
      const found = typeof raw === 'string' && this.refDepth === 0 ? this.env.ref(raw) : undefined;
      return typeof found === 'object' && this.deterministic(found.raw, insideIterator);
    }
    const spec = Object.hasOwn(this.ops, op) ? this.ops[op] : undefined;
    return spec ? spec.deterministic(this, raw, insideIterator) : false;
  }

  /** Compiles with the optimized regime and evaluates once; a throw is remembered as `failing`. */
  private fold(spec: OpSpec, raw: unknown, path: string): LogicNode {
    const outer = this.mode;
    this.mode = 'optimized';
    let node: LogicNode;
    try {
      node = spec.compile(this, raw, path);
    } finally {
      this.mode = outer;
    }
    let error = node.failing;
    if (error === undefined) {
      if (node.constant) return node;
      // constant work runs now, on what is left of the rule's and the set's budgets
      const available = Math.min(this.foldUnits, this.allowance.foldUnits);
      FOLD_RUNTIME.budget = available;
      try {
        return constantNode(node.fn(undefined, FOLD_RUNTIME));
      } catch (e) {
        error = e;
      } finally {
        const spent = available - Math.max(FOLD_RUNTIME.budget, 0);
        this.foldUnits -= spent;
        this.allowance.foldUnits -= spent;
      }
    }
    if (error instanceof CostExceeded) {
      this.overspent(path, `this constant expression ${describe(error).replace(/^the rule /, '')}`);
      return { fn: thrower(error), constant: false };
    }
    if (outer === 'compiled') {
      this.problem(path, `this expression always fails: ${describe(error)}`);
      return { fn: thrower(error), constant: false };
    }
    return { fn: thrower(error), constant: false, failing: error };
  }

  /** Compiles `raw` in another regime and/or iterator scope. */
  within(mode: Mode, inIterator: boolean, compile: () => LogicNode): LogicNode {
    const [outerMode, outerIterator] = [this.mode, this.inIterator];
    this.mode = mode;
    this.inIterator = inIterator;
    try {
      return compile();
    } finally {
      this.mode = outerMode;
      this.inIterator = outerIterator;
    }
  }

  /**
   * A child the reference evaluates lazily, through its optimized interpreter: its own constant
   * failures surface only when it runs.
   */
  unit(raw: unknown, path: string): LogicNode {
    const node = this.within('optimized', this.inIterator, () => this.compile(raw, path));
    return node.failing === undefined ? node : { fn: thrower(node.failing), constant: false };
  }

  /** Combines eagerly evaluated children: a failing child makes the parent fail (optimized regime). */
  node(fn: Fn, children: readonly LogicNode[]): LogicNode {
    for (const child of children)
      if (child.failing !== undefined) return { fn, constant: false, failing: child.failing };
    return { fn, constant: false };
  }

  /**
   * Arguments of an eager (non-lazy) operation: a literal array gives one node per element, anything
   * else is evaluated and wrapped in an array when it is not one (json-logic-engine's coerceArray).
   */
  args(
    raw: unknown,
    path: string,
    reuse = false,
  ): { get: (data: unknown, rt: Runtime) => unknown[]; nodes: LogicNode[] } {
    const list = raw === null || typeof raw !== 'object' ? [raw] : raw;
    if (Array.isArray(list) && !this.checkArray(list, path)) return { nodes: [], get: () => [] };
    if (Array.isArray(list)) {
      const nodes = list.map((item, i) => this.compile(item, childPath(path, i)));
      const fns = nodes.map((n) => n.fn);
      const n = fns.length;
      if (reuse) {
        // the consumer never keeps the list, so one array per node serves every call; constant
        // slots are filled once and only the others are evaluated
        const scratch = nodes.map((node) => (node.constant ? node.value : undefined));
        const live = nodes.flatMap((node, i) => (node.constant ? [] : [i]));
        const liveFns = live.map((i) => fns[i]!);
        const m = live.length;
        return {
          nodes,
          get: (data, rt) => {
            for (let j = 0; j < m; j++) scratch[live[j]!] = liveFns[j]!(data, rt);
            return scratch;
          },
        };
      }
      return {
        nodes,
        get: (data, rt) => {
          const out = new Array<unknown>(n);
          for (let i = 0; i < n; i++) out[i] = fns[i]!(data, rt);
          return out;
        },
      };
    }
    const node = this.compile(list, path);
    const fn = node.fn;
    return {
      nodes: [node],
      get: (data, rt) => {
        const value = fn(data, rt);
        if (!Array.isArray(value)) return [value];
        spend(rt, value.length); // a list from the context: the operation walks all of it
        return value;
      },
    };
  }

  /** Compiles a segment's rule (always compiled regime, top-level scope). */
  compileSegment(name: string, path: string): LogicNode | undefined {
    if (this.segmentDepth > 0) {
      this.problem(path, `segments cannot use other segments ("${name}")`);
      return undefined;
    }
    const found = this.env.segment(name);
    if (typeof found === 'string') {
      this.problem(path, found);
      return undefined;
    }
    this.segmentDepth++;
    try {
      return this.within('compiled', false, () => this.compile(found.raw, found.path));
    } finally {
      this.segmentDepth--;
    }
  }

  private compileArray(items: readonly unknown[], path: string): LogicNode {
    const nodes = items.map((item, i) => this.compile(item, childPath(path, i)));
    if (nodes.every((n) => n.constant)) return constantNode(nodes.map((n) => n.value));
    const fns = nodes.map((n) => n.fn);
    const n = fns.length;
    return this.node((data, rt) => {
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = fns[i]!(data, rt);
      return out;
    }, nodes);
  }

  private compileRef(raw: unknown, path: string): LogicNode {
    if (typeof raw !== 'string') {
      this.problem(path, '$ref must name a shared evaluator (a string)');
      return NULL_NODE;
    }
    if (this.refDepth > 0) {
      this.problem(path, `shared evaluators cannot use $ref (found $ref "${raw}")`);
      return NULL_NODE;
    }
    const found = this.env.ref(raw);
    if (typeof found === 'string') {
      this.problem(path, found);
      return NULL_NODE;
    }
    this.refDepth++;
    try {
      return this.compile(found.raw, found.path);
    } finally {
      this.refDepth--;
    }
  }
}

export function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export { flagdObject, readPath, wholeContext } from './logic-runtime.js';
export type { Runtime };
export { LogicError, splitPath };
