import type { z } from 'zod';
import type { FieldError } from '../errors/index.js';
import { MAX_EVALUATION_COST, MAX_FLAG_OPERATIONS } from './budget.js';
import { FLAGD_OPS, SLUICE_OPS } from './custom-ops.js';
import { FlagDefinitionInvalid } from './errors.js';
import { jsonProblem, MAX_DEPTH } from './json-value.js';
import {
  type CompileAllowance,
  childPath,
  LogicCompiler,
  type LogicEnv,
  type LogicNode,
  type LogicProblem,
  type OpSpec,
  setAllowance,
} from './logic-compile.js';
import { STANDARD_OPS } from './logic-ops.js';
import { checkPrerequisites } from './prerequisites.js';
import { deepFreeze, resolved } from './results.js';
import {
  FLAG_KEY_PATTERN,
  type FlagDefinition,
  type FlagMetadata,
  FlagSchema,
  type FlagSetDocument,
  FlagSetDocumentSchema,
  SegmentsSchema,
} from './schema.js';
import type {
  CompiledFlag,
  CompiledFlagSet,
  CompileOptions,
  FlagSetProblem,
  JsonValue,
  Resolved,
} from './types.js';
import { validateOps } from './validate-ops.js';
import { namedVariants } from './variant-names.js';

const OPS: Readonly<Record<string, OpSpec>> = { ...STANDARD_OPS, ...validateOps(FLAGD_OPS), ...SLUICE_OPS };

/** Resolves `$ref` (shared evaluators, then segments) and `segment` to raw rules, inlined by the compiler. */
function environment(
  evaluators: Readonly<Record<string, unknown>>,
  segments: Readonly<Record<string, unknown>>,
): LogicEnv {
  return {
    ref: (name) => {
      if (Object.hasOwn(evaluators, name))
        return { raw: evaluators[name], path: childPath('$evaluators', name) };
      if (Object.hasOwn(segments, name)) return { raw: segments[name], path: childPath('segments', name) };
      return `$ref "${name}" does not name a shared evaluator`;
    },
    segment: (name) => {
      if (Object.hasOwn(segments, name)) return { raw: segments[name], path: childPath('segments', name) };
      return `no segment "${name}"`;
    },
  };
}

/**
 * Problems of one shared rule compiled on its own (reported even when no flag uses it). It has a
 * budget of its own: the set's counts what the flags' rules hold once the shared ones are inlined.
 */
function sharedProblems(raw: unknown, path: string, env: LogicEnv): FlagSetProblem[] {
  const compiler = new LogicCompiler(OPS, env);
  compiler.compile(raw, path);
  return compiler.problems.map((p) => problemOf(p, null));
}

function problemOf(p: LogicProblem, flag: string | null): FlagSetProblem {
  const kind = p.overBudget ? 'refused' : p.strictOnly ? 'lenient' : 'parse';
  return { path: p.path, message: p.message, flag, kind };
}

/** A bad record key's own message ("flag keys are ...") says more than zod's "Invalid key in record". */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  return issue.message;
}

function zodPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => childPath(out, typeof key === 'number' ? key : String(key)), '');
}

/**
 * Validates and compiles a flagd flag-set document (plus Sluice's extras) into closures.
 * @throws SluiceError FLAG_DEFINITION_INVALID with one `{path, message}` per problem.
 */
export function compileFlagSet(doc: unknown, options: CompileOptions = {}): CompiledFlagSet {
  const steps = compileFlagSetInSteps(doc, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value.set;
  }
}

/** The whole document checked at once: the exact problems a bad document is refused with. */
function validateWhole(
  doc: unknown,
  options: CompileOptions,
): { document: FlagSetDocument; segments: Record<string, JsonValue> } {
  // recursion below (zod, the rule compiler) needs bounded nesting; check it without recursing
  const tooDeep = [tooDeepAt(doc, ''), tooDeepAt(options.segments, 'segments')].filter(
    (p) => p !== undefined,
  );
  if (tooDeep.length > 0) {
    throw invalid(tooDeep.map((path) => ({ path, message: `nested more than ${MAX_DEPTH} levels deep` })));
  }
  const parsed = FlagSetDocumentSchema.safeParse(doc);
  const segmentsParsed = SegmentsSchema.safeParse(options.segments ?? {});
  const fields: FieldError[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      fields.push({ path: zodPath(issue.path), message: issueMessage(issue) });
  }
  if (!segmentsParsed.success) {
    for (const issue of segmentsParsed.error.issues) {
      fields.push({ path: zodPath(['segments', ...issue.path]), message: issueMessage(issue) });
    }
  }
  if (!parsed.success || !segmentsParsed.success) throw invalid(fields);
  return { document: parsed.data, segments: segmentsParsed.data };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Everything but the flags, checked as the whole document would be; undefined when something is
 * wrong (the whole document is then checked at once, for its exact problems).
 */
function validateOutside(doc: Record<string, unknown>, options: CompileOptions) {
  const outside = { ...doc, flags: {} };
  if (tooDeepAt(outside, '') !== undefined || tooDeepAt(options.segments, 'segments') !== undefined)
    return undefined;
  const parsed = FlagSetDocumentSchema.safeParse(outside);
  const segments = SegmentsSchema.safeParse(options.segments ?? {});
  if (!parsed.success || !segments.success) return undefined;
  const { flags: _, ...top } = parsed.data;
  return { top, segments: segments.data };
}

/** One flag checked as the whole document checks it (a flag sits two levels deep there). */
function validFlag(key: string, raw: unknown): FlagDefinition | undefined {
  if (jsonProblem(raw, MAX_DEPTH - 2, true) !== undefined || !FLAG_KEY_PATTERN.test(key)) return undefined;
  const parsed = FlagSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/**
 * A compiled flag kept for the next compile of the set: an SDK taking the whole set again after a
 * reconnect, or a one-flag change, compiles only the flags whose definitions differ.
 */
export interface CompiledSource {
  /** The definition as received: the unchanged flags of a delta are the same objects. */
  readonly raw: unknown;
  /** Its JSON text: the content key when a whole new set arrives. */
  readonly text: string;
  readonly definition: FlagDefinition;
  readonly flag: CompiledFlag;
  readonly problems: readonly FlagSetProblem[];
  /** What it took from the set's allowance. */
  readonly operations: number;
  readonly foldUnits: number;
}

export interface CompiledSources {
  /** What a compiled flag depends on besides its definition: mode, segments, $evaluators, metadata. */
  readonly context: string;
  readonly flags: ReadonlyMap<string, CompiledSource>;
}

export interface SteppedCompileOptions extends CompileOptions {
  /** Keep each flag's compiled form for the next compile (`sources` of the result). */
  keepSources?: boolean;
  /** A previous compile's sources: flags with the same definition and context are taken from it. */
  reuse?: CompiledSources | undefined;
}

export interface SteppedCompile {
  readonly set: CompiledFlagSet;
  /** With `keepSources` or `reuse`. */
  readonly sources: CompiledSources | undefined;
}

/**
 * `compileFlagSet` one flag at a time: the generator yields after each flag, so a caller can
 * spread a large set over several turns of its event loop; it returns the set (or throws) as
 * `compileFlagSet` does, which is this generator run to its end. A reused flag is the object the
 * previous compile made; it is taken only while the set's allowance cannot bind a flag (more
 * left than one flag may spend), where a flag compiles the same whatever came before it.
 */
export function* compileFlagSetInSteps(
  doc: unknown,
  options: SteppedCompileOptions = {},
): Generator<undefined, SteppedCompile, undefined> {
  const strict = (options.mode ?? 'strict') === 'strict';
  const outside = isRecord(doc) && isRecord(doc.flags) ? validateOutside(doc, options) : undefined;
  const whole = outside ? undefined : validateWhole(doc, options);
  const top = outside?.top ?? (whole as { document: FlagSetDocument }).document;
  const segments = outside?.segments ?? (whole as { segments: Record<string, JsonValue> }).segments;
  const rawFlags = outside ? (doc as { flags: Record<string, unknown> }).flags : whole!.document.flags;

  const env = environment(top.$evaluators ?? {}, segments);
  const allowance = setAllowance();
  const problems: FlagSetProblem[] = [];
  for (const name of Object.keys(segments)) {
    problems.push(...sharedProblems({ segment: name }, childPath('segments', name), env));
  }
  if (strict) {
    for (const name of Object.keys(top.$evaluators ?? {})) {
      problems.push(...sharedProblems({ $ref: name }, childPath('$evaluators', name), env));
    }
  }
  const shared = problems.length;

  const keep = options.keepSources === true || options.reuse !== undefined;
  const context = keep
    ? JSON.stringify([strict, segments, top.$evaluators ?? null, top.metadata ?? null])
    : '';
  const reuse = options.reuse?.context === context ? options.reuse.flags : undefined;
  const sources = keep ? new Map<string, CompiledSource>() : undefined;
  const setMetadata = deepFreeze({ ...top.metadata });
  const definitions: Record<string, FlagDefinition> = outside ? {} : whole!.document.flags;
  const flags = new Map<string, CompiledFlag>();
  const having: string[] = [];
  for (const key of Object.keys(rawFlags)) {
    const raw = rawFlags[key];
    const unbound = allowance.operations >= MAX_FLAG_OPERATIONS && allowance.foldUnits >= MAX_EVALUATION_COST;
    const before = unbound ? reuse?.get(key) : undefined;
    const text = before && before.raw !== raw ? JSON.stringify(raw) : undefined;
    if (before && (before.raw === raw || before.text === text)) {
      allowance.operations -= before.operations;
      allowance.foldUnits -= before.foldUnits;
      flags.set(key, before.flag);
      problems.push(...before.problems);
      if (outside) definitions[key] = before.definition;
      if (before.definition.prerequisites?.length) having.push(key);
      sources?.set(key, before.raw === raw ? before : { ...before, raw });
      yield;
      continue;
    }
    let definition = raw as FlagDefinition;
    if (outside) {
      // a bad flag: the whole document's check throws with its exact problems
      definition = validFlag(key, raw) ?? (validateWhole(doc, options).document.flags[key] as FlagDefinition);
      definitions[key] = definition;
    }
    if (definition.prerequisites?.length) having.push(key);
    const operations = allowance.operations;
    const foldUnits = allowance.foldUnits;
    const { flag, own } = compileFlag(key, definition, env, allowance, strict, setMetadata);
    flags.set(key, flag);
    problems.push(...own);
    // a flag the set's allowance may have bound compiles differently elsewhere: not kept
    if (sources && unbound) {
      sources.set(key, {
        raw,
        text: text ?? JSON.stringify(raw),
        definition,
        flag,
        problems: own,
        operations: operations - allowance.operations,
        foldUnits: foldUnits - allowance.foldUnits,
      });
    }
    yield;
  }
  const document: FlagSetDocument = outside ? { ...top, flags: definitions } : whole!.document;
  const fields: FieldError[] = [];
  // flagd mode keeps every rule problem with its flag; prerequisites are Sluice's and always checked
  if (strict) fields.push(...problems.slice(0, shared).map(plain));
  fields.push(...checkPrerequisites(definitions, having));
  if (strict) fields.push(...problems.slice(shared).map(plain));
  if (fields.length > 0) throw invalid(dedupe(fields));
  const set: CompiledFlagSet = Object.freeze({
    flags,
    metadata: setMetadata,
    problems: Object.freeze(dedupeProblems(problems)),
    document,
  });
  return { set, sources: sources ? { context, flags: sources } : undefined };
}

function compileFlag(
  key: string,
  definition: FlagDefinition,
  env: LogicEnv,
  allowance: CompileAllowance,
  strict: boolean,
  setMetadata: Readonly<FlagMetadata>,
): { flag: CompiledFlag; own: FlagSetProblem[] } {
  const path = childPath('flags', key);
  const compiler = new LogicCompiler(OPS, env, allowance);
  const targeting = hasTargeting(definition.targeting)
    ? compiler.compile(definition.targeting, childPath(path, 'targeting'))
    : undefined;
  if (
    definition.targeting !== undefined &&
    (typeof definition.targeting !== 'object' || Array.isArray(definition.targeting))
  ) {
    compiler.problem(
      childPath(path, 'targeting'),
      'targeting must be a JsonLogic rule (an object) or null',
      true,
    );
  }
  const own = compiler.problems.map((p) => problemOf(p, key));
  own.push(...unknownVariants(key, definition, path, env), ...variantTypeProblems(definition, path, key));
  const failing = own.find((p) => p.kind !== 'lenient');
  const parseError = failing
    ? `Invalid targeting configuration for flag '${key}': ${failing.message} (at ${failing.path})`
    : undefined;
  return { flag: buildFlag(key, definition, targeting, strict ? undefined : parseError, setMetadata), own };
}

/** The path of the first value nested deeper than MAX_DEPTH (a walk without recursion). */
function tooDeepAt(root: unknown, rootPath: string): string | undefined {
  const problem = jsonProblem(root, MAX_DEPTH, true);
  return problem?.path.reduce<string>((out, key) => childPath(out, key), rootPath);
}

function dedupe(fields: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return fields.filter((f) => {
    const id = `${f.path}\u0000${f.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function plain(p: { path: string; message: string }): FieldError {
  return { path: p.path, message: p.message };
}

function invalid(fields: FieldError[]) {
  const first = fields[0];
  const detail =
    fields.length === 1 && first
      ? `${first.path}: ${first.message}`
      : `${fields.length} problems in the flag set`;
  return FlagDefinitionInvalid(detail, { fields });
}

/** flagd-core's test: a falsy rule, or one with no keys (`{}`, `true`, `5`), means a static flag. */
function hasTargeting(targeting: unknown): boolean {
  return Boolean(targeting) && Object.keys(targeting as object).length > 0;
}

/** flagd evaluates mixed-type variants (each answers its own type); Sluice asks for one type. */
function variantTypeProblems(flag: FlagDefinition, path: string, key: string): FlagSetProblem[] {
  const types = new Set(Object.values(flag.variants).map((v) => typeof v));
  if (types.size <= 1) return [];
  return [
    {
      path: childPath(path, 'variants'),
      message: `all variants must have the same type, found ${[...types].sort().join(' and ')}`,
      flag: key,
      kind: 'lenient',
    },
  ];
}

/** Variants the targeting names that the flag does not have (flagd answers GENERAL when reached). */
function unknownVariants(key: string, flag: FlagDefinition, path: string, env: LogicEnv): FlagSetProblem[] {
  if (!hasTargeting(flag.targeting)) return [];
  const known = Object.keys(flag.variants);
  return namedVariants(flag.targeting, childPath(path, 'targeting'), env)
    .filter((v) => !Object.hasOwn(flag.variants, v.name))
    .map((v) => ({
      path: v.path,
      message: `the rule names variant "${v.name}", which flag "${key}" does not have (${known.join(', ')})`,
      flag: key,
      kind: 'lenient' as const,
    }));
}

function dedupeProblems(problems: FlagSetProblem[]): FlagSetProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${p.flag}\u0000${p.path}\u0000${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function buildFlag(
  key: string,
  definition: FlagDefinition,
  targeting: LogicNode | undefined,
  parseError: string | undefined,
  setMetadata: Readonly<FlagMetadata>,
): CompiledFlag {
  const metadata = deepFreeze({ ...setMetadata, ...definition.metadata });
  const values = new Map<string, JsonValue>();
  for (const [name, value] of Object.entries(definition.variants)) {
    values.set(name, deepFreeze(JSON.parse(JSON.stringify(value)) as JsonValue));
  }
  const build = (variant: string | null | undefined, reason: Parameters<typeof resolved>[2]) => {
    if (!variant || !values.has(variant)) return undefined;
    return resolved(values.get(variant)!, variant, reason, metadata);
  };
  const matches = new Map<string, Resolved>();
  for (const name of values.keys()) matches.set(name, build(name, 'TARGETING_MATCH')!);
  const constantTarget = targeting?.constant === true;
  return {
    key,
    enabled: definition.state === 'ENABLED',
    metadata,
    // a constant rule still runs through the targeting path, so reasons match flagd
    targeting: targeting ? (constantTarget ? () => targeting.value : targeting.fn) : undefined,
    parseError,
    prerequisites: (definition.prerequisites ?? []).map((p) => ({
      flag: p.flag,
      variants: new Set(p.variants),
    })),
    fallback: build(definition.defaultVariant, targeting ? 'DEFAULT' : 'STATIC'),
    fallbackReason: targeting ? 'DEFAULT' : 'STATIC',
    matches,
    prerequisiteFailed: build(definition.defaultVariant, 'PREREQUISITE_FAILED'),
    killed: build(definition.safeVariant, 'DISABLED'),
  };
}
