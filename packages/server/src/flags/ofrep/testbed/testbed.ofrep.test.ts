/**
 * The flagd-testbed evaluator suite (upstream gherkin files, see README.md here) through OFREP:
 * a listening Sluice loads the testbed's flag files unchanged the way `sluice up --flags-file`
 * does, and the official OpenFeature OFREP providers evaluate every scenario against it: the web
 * provider (@openfeature/ofrep-web-provider 0.4.3, OFREP with code defaults) must pass all of
 * them; the server provider (@openfeature/ofrep-provider 0.1.3, the newest on the registry)
 * predates OFREP's code default — a 200 without `value`, which Sluice answers for a disabled flag
 * or one without a default variant, as the spec says — and reads it as a malformed answer
 * (GENERAL): for exactly those scenarios the test asserts that; the web provider passes them. The same
 * scenarios also run against @openfeature/flagd-core, the reference the differential test trusts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlagdCore } from '@openfeature/flagd-core';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { type Client, type EvaluationDetails, type FlagValue, OpenFeature } from '@openfeature/server-sdk';
import { type Client as WebClient, OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test-support/server.js';
import { FlagsFileLoader, type FlagsFileResult } from '../../file-source/flags-file-loader.js';
import { loadScenarios, type Scenario, TESTBED_DIR } from './scenarios.js';

const TESTKIT = join(TESTBED_DIR, 'testkit-flags.json');
const PRECISION = join(TESTBED_DIR, 'precision-flags.json');
const precisionKeys = new Set(Object.keys(JSON.parse(readFileSync(PRECISION, 'utf8')).flags));
const { scenarios, excluded, files } = loadScenarios();

type Details = Pick<
  EvaluationDetails<FlagValue>,
  'value' | 'reason' | 'errorCode' | 'variant' | 'flagMetadata'
>;

function evaluateWeb(client: WebClient, s: Scenario): Details {
  switch (s.type) {
    case 'Boolean':
      return client.getBooleanDetails(s.key, s.fallback as boolean);
    case 'String':
      return client.getStringDetails(s.key, s.fallback as string);
    case 'Integer':
    case 'Float':
      return client.getNumberDetails(s.key, s.fallback as number);
    case 'Object':
      return client.getObjectDetails(s.key, s.fallback as never);
  }
}

function evaluateWith(client: Client, s: Scenario): Promise<Details> {
  const context = s.context as never;
  switch (s.type) {
    case 'Boolean':
      return client.getBooleanDetails(s.key, s.fallback as boolean, context);
    case 'String':
      return client.getStringDetails(s.key, s.fallback as string, context);
    case 'Integer':
    case 'Float':
      return client.getNumberDetails(s.key, s.fallback as number, context);
    case 'Object':
      return client.getObjectDetails(s.key, s.fallback as never, context);
  }
}

/** What the scenario asks of the result, compared field by field. */
function check(actual: Details, s: Scenario): void {
  if (s.value !== undefined) expect(actual.value).toEqual(s.value);
  if (s.reason !== undefined) expect(actual.reason).toBe(s.reason);
  if (s.errorCode !== undefined) expect(actual.errorCode).toBe(s.errorCode);
  if (s.variant !== undefined) expect(actual.variant).toBe(s.variant);
  if (s.metadata !== undefined) expect(actual.flagMetadata).toMatchObject(s.metadata);
  if (s.metadataEmpty) expect(actual.flagMetadata ?? {}).toEqual({});
}

describe(`flagd-testbed: ${scenarios.length} evaluator scenarios of ${files.length} feature files through OFREP`, () => {
  let t: TestServer;
  const loaders: FlagsFileLoader[] = [];
  const loaded: Record<string, FlagsFileResult> = {};
  const warnings: string[] = [];
  const clients: Record<string, Client> = {};
  const webClients: Record<string, WebClient> = {};
  const tokens: Record<string, string> = {};
  let baseUrl = '';
  /** The answer on the wire, for telling a code default (200 without `value`) from the rest. */
  const wire = async (environment: string, s: Scenario) => {
    const res = await fetch(`${baseUrl}/ofrep/v1/evaluate/flags/${encodeURIComponent(s.key)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[environment]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ context: s.context }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const codeDefaults: string[] = [];

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    // each file loads unchanged, as `sluice up --flags-file` loads it, into an environment of its own
    for (const [path, environment] of [
      [TESTKIT, 'development'],
      [PRECISION, 'production'],
    ] as const) {
      const loader = new FlagsFileLoader({
        path,
        environment,
        db: t.server.database.db,
        resources: t.server.resources,
        onCommitted: (env) => t.server.flagSets.invalidate(env),
        log: { info: () => {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(`error: ${m}`) },
      });
      loaders.push(loader);
      loaded[environment] = await loader.start();
    }
    baseUrl = await t.server.listen();
    for (const environment of ['development', 'production']) {
      const token = await t.token([`sdk:${environment}`], `testbed-${environment}`);
      tokens[environment] = token;
      const headers: [string, string][] = [['Authorization', `Bearer ${token}`]];
      await OpenFeature.setProviderAndWait(environment, new OFREPProvider({ baseUrl, headers }));
      clients[environment] = OpenFeature.getClient(environment);
      // polling far apart: every scenario sets its context, which fetches at once
      const web = new OFREPWebProvider({
        baseUrl,
        headers,
        pollInterval: 3_600_000,
        disableVisibilityRefresh: true,
      });
      await WebOpenFeature.setProviderAndWait(environment, web as never);
      webClients[environment] = WebOpenFeature.getClient(environment);
    }
  });
  afterAll(async () => {
    await OpenFeature.close();
    await WebOpenFeature.close();
    for (const loader of loaders) await loader.close();
    await t?.close();
  });

  it('loads both flag files unchanged; what flagd tolerates is a warning, not a refusal', () => {
    expect(loaded.development).toMatchObject({ ok: true });
    expect(loaded.production).toMatchObject({ ok: true, warnings: [] });
    // the testbed's deliberate mistakes, each named where it is in the file
    expect(warnings.map((w) => w.replace(/^.*testkit-flags\.json:\d+:\d+ /, ''))).toEqual([
      '(flags.semver-invalid-operator-flag.targeting.sem_ver.1): unknown sem_ver operator "===" (use = != < <= > >= ^ ~) (loaded as flagd loads it)',
      '(flags.ref-to-nonexistent-evaluator-flag.targeting.if.0.$ref): $ref "nonexistent_evaluator" does not name a shared evaluator (loaded as flagd loads it)',
      '(flags.starts-with-wrong-args-flag.targeting.starts_with): starts_with takes [text, part] (loaded as flagd loads it)',
      '(flags.ends-with-wrong-args-flag.targeting.ends_with): ends_with takes [text, part] (loaded as flagd loads it)',
      '(flags.semver-wrong-args-flag.targeting.sem_ver): sem_ver takes [version, operator, version] (loaded as flagd loads it)',
    ]);
  });

  it(`leaves out only the legacy @fractional-v1 examples (${excluded.length})`, () => {
    expect(excluded.length).toBeGreaterThan(0);
    expect(excluded.every((s) => s.tags.includes('@fractional-v1'))).toBe(true);
    expect(files).toContain('precision.feature');
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_, s) => {
    const environment = precisionKeys.has(s.key) ? 'production' : 'development';
    await WebOpenFeature.setContext(environment, s.context as never);
    check(evaluateWeb(webClients[environment]!, s), s);
    const answer = await wire(environment, s);
    const viaServerProvider = await evaluateWith(clients[environment]!, s);
    if (answer.status === 200 && !('value' in answer.body)) {
      // a code default: the 0.1.3 server provider's ofrep-core (0.1.4) takes a success without
      // `value` for a malformed answer, and the caller's default comes back as an error
      expect(viaServerProvider).toMatchObject({
        reason: 'ERROR',
        errorCode: 'GENERAL',
        errorMessage: 'The OFREP response does not match the expected format',
        value: s.fallback,
      });
      codeDefaults.push(s.name);
    } else check(viaServerProvider, s);
  });

  it('the server provider missed only code defaults: disabled flags and flags without a default variant', () => {
    expect(codeDefaults.every((n) => /^(disabled|no-default-variant)\.feature:/.test(n))).toBe(true);
    expect(codeDefaults).toHaveLength(10);
  });

  // the differential test trusts flagd-core; here it must pass the same scenarios
  it('@openfeature/flagd-core passes the same scenarios (the differential reference is sound)', () => {
    const silent = { error() {}, warn() {}, info() {}, debug() {} };
    const core = (file: string) => {
      const c = new FlagdCore(undefined, silent);
      c.setConfigurations(readFileSync(file, 'utf8'));
      return c;
    };
    const cores = { development: core(TESTKIT), production: core(PRECISION) };
    const type = {
      Boolean: 'boolean',
      String: 'string',
      Integer: 'number',
      Float: 'number',
      Object: 'object',
    } as const;
    const failing = scenarios.filter((s) => {
      const reference = cores[precisionKeys.has(s.key) ? 'production' : 'development'];
      try {
        check(reference.resolve(type[s.type], s.key, s.fallback as never, s.context as never), s);
        return false;
      } catch {
        return true;
      }
    });
    expect(failing.map((s) => s.name)).toEqual([]);
  });
});
