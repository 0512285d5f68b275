/**
 * The flagd-testbed evaluator scenarios, read from the upstream gherkin files in `gherkin/` with
 * Cucumber's own parser (outlines expanded, backgrounds applied, tags inherited), and turned into
 * plain data by the step vocabulary the testbed uses. A step this file does not know fails the
 * load: a new upstream step is noticed, never skipped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMessages } from '@cucumber/gherkin';
import { IdGenerator, type Pickle, SourceMediaType } from '@cucumber/messages';

export type FlagType = 'Boolean' | 'String' | 'Integer' | 'Float' | 'Object';

export interface Scenario {
  /** `fractional.feature: Fractional operator (jack)`, unique. */
  name: string;
  tags: string[];
  key: string;
  type: FlagType;
  fallback: unknown;
  context: Record<string, unknown>;
  value?: unknown;
  reason?: string;
  errorCode?: string;
  variant?: string;
  /** Metadata entries the result must carry; `{}` with `metadataEmpty`. */
  metadata?: Record<string, unknown>;
  metadataEmpty?: boolean;
}

export const TESTBED_DIR = fileURLToPath(new URL('.', import.meta.url));
const GHERKIN_DIR = join(TESTBED_DIR, 'gherkin');

/** Tags whose scenarios do not apply: the legacy fractional bucketing (agents.md's opt-out). */
export const EXCLUDED_TAGS = ['@fractional-v1'];

/** A step argument as the testbed's step definitions read it, by the type the step names. */
export function typed(type: string, text: string): unknown {
  switch (type) {
    case 'Boolean':
      return text === 'true';
    case 'Integer':
      return Number.parseInt(text, 10);
    case 'Float':
      return Number.parseFloat(text);
    case 'Object':
      // table cells keep a backslash before a quote (`{\"a\": 1}`); the testbed means plain JSON
      return JSON.parse(text.replaceAll('\\"', '"'));
    case 'String':
      return text;
    default:
      throw new Error(`unknown step type "${type}"`);
  }
}

type Step = { text: string; rows: string[][] | undefined };
type Handler = (s: Scenario, m: RegExpMatchArray, step: Step) => void;

const STEPS: [RegExp, Handler][] = [
  [/^an evaluator$/, () => {}],
  [
    /^a (Boolean|String|Integer|Float|Object)-flag with key "(.*)" and a fallback value "(.*)"$/,
    (s, m) => {
      s.type = m[1] as FlagType;
      s.key = m[2]!;
      s.fallback = typed(s.type, m[3]!);
    },
  ],
  [
    /^a context containing a key "(.*)", with type "(.*)" and with value "(.*)"$/,
    (s, m) => {
      s.context[m[1]!] = typed(m[2]!, m[3]!);
    },
  ],
  [
    /^a context containing a nested property with outer key "(.*)" and inner key "(.*)", with value "(.*)"$/,
    (s, m) => {
      s.context[m[1]!] = { ...(s.context[m[1]!] as object), [m[2]!]: m[3] };
    },
  ],
  [
    /^a context containing a targeting key with value "(.*)"$/,
    (s, m) => {
      s.context.targetingKey = m[1];
    },
  ],
  [/^the flag was evaluated with details$/, () => {}],
  [
    /^the resolved details value should be "(.*)"$/,
    (s, m) => {
      s.value = typed(s.type, m[1]!);
    },
  ],
  [
    /^the reason should be "(.*)"$/,
    (s, m) => {
      s.reason = m[1];
    },
  ],
  [
    /^the error-code should be "(.*)"$/,
    (s, m) => {
      s.errorCode = m[1];
    },
  ],
  [
    /^the variant should be "(.*)"$/,
    (s, m) => {
      s.variant = m[1];
    },
  ],
  [
    /^the resolved metadata should contain$/,
    (s, _m, step) => {
      const [header, ...rows] = step.rows ?? [];
      if (header?.join() !== 'key,metadata_type,value') throw new Error(`unexpected table ${header}`);
      s.metadata = Object.fromEntries(rows.map(([key, type, value]) => [key, typed(type!, value!)]));
    },
  ],
  [
    /^the resolved metadata is empty$/,
    (s) => {
      s.metadataEmpty = true;
    },
  ],
];

function scenarioOf(file: string, pickle: Pickle): Scenario {
  const s: Scenario = {
    name: `${file}: ${pickle.name}`,
    tags: pickle.tags.map((t) => t.name),
    key: '',
    type: 'String',
    fallback: undefined,
    context: {},
  };
  for (const step of pickle.steps) {
    const rows = step.argument?.dataTable?.rows.map((r) => r.cells.map((c) => c.value));
    const match = STEPS.map(([re, handler]) => [step.text.match(re), handler] as const).find(([m]) => m);
    if (!match?.[0]) throw new Error(`${file}: no step definition for "${step.text}"`);
    match[1](s, match[0], { text: step.text, rows });
  }
  if (!s.key) throw new Error(`${s.name}: no flag`);
  s.name = `${s.name} — ${s.key} ${JSON.stringify(s.context)}`;
  return s;
}

/** Every scenario of every feature file, and which of them the excluded tags leave out. */
export function loadScenarios(): { scenarios: Scenario[]; excluded: Scenario[]; files: string[] } {
  const files = readdirSync(GHERKIN_DIR)
    .filter((f) => f.endsWith('.feature'))
    .sort();
  const all: Scenario[] = [];
  for (const file of files) {
    const envelopes = generateMessages(
      readFileSync(join(GHERKIN_DIR, file), 'utf8'),
      file,
      SourceMediaType.TEXT_X_CUCUMBER_GHERKIN_PLAIN,
      {
        includePickles: true,
        includeGherkinDocument: false,
        includeSource: false,
        newId: IdGenerator.incrementing(),
      },
    );
    for (const e of envelopes) {
      if (e.parseError) throw new Error(`${file}: ${e.parseError.message}`);
      if (e.pickle) all.push(scenarioOf(file, e.pickle));
    }
  }
  // outlines give rows the same name: number repeats so every test has its own
  const seen = new Map<string, number>();
  for (const s of all) {
    const n = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, n);
    if (n > 1) s.name = `${s.name} #${n}`;
  }
  const excluded = all.filter((s) => s.tags.some((t) => EXCLUDED_TAGS.includes(t)));
  return { scenarios: all.filter((s) => !excluded.includes(s)), excluded, files };
}
