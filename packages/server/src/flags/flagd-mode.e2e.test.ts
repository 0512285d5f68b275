/**
 * One rule for every way a flag gets in: a bare flagd document (apply of a flagd file, the flags
 * file loader) loads as flagd loads it — what flagd tolerates is a warning and evaluates as flagd
 * does; a `kind: Flag` document and a PUT refuse the same problem with its JSON path;
 * `?strict=true` refuses warnings; the cost budget is refused everywhere.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOO_DEEP_MESSAGE } from '../http/json-parse.js';
import { DIALECTS } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const split = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  // the typo of issue 14: 90 % of users would get "variant 'of' not found"
  targeting: {
    fractional: [
      ['on', 10],
      ['of', 90],
    ],
  },
};
const dangling = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { if: [{ $ref: 'nobody' }, 'on', 'off'] },
};
const accumulator = { var: 'accumulator' };
/** The 206-byte flag of issue 13 (H4): each reduce step doubles the list. */
const bomb = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: {
    if: [
      {
        in: [
          1,
          { reduce: [Array.from({ length: 29 }, (_, i) => i), { merge: [accumulator, accumulator] }, [1]] },
        ],
      },
      'on',
      'off',
    ],
  },
};

describe.each(DIALECTS)('flagd mode and strict writes on %s', (dialect) => {
  let t: TestServer;
  const evaluate = async (flag: string, context: Record<string, unknown> = {}) =>
    (await t.request('POST', `/api/v1/flags/${flag}/evaluate`, { body: { context } })).body;
  const flagDoc = (name: string, spec: unknown) => ({ kind: 'Flag', metadata: { name }, spec });

  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => t?.close());

  it('refuses the problem in a kind: Flag document and a PUT, with its JSON path', async () => {
    const applied = await t.request('POST', '/api/v1/apply', {
      body: { documents: [flagDoc('split', split), flagDoc('dangling', dangling)] },
    });
    expect(applied.status).toBe(400);
    expect(applied.body.errors).toEqual([
      {
        path: 'documents[1].spec.targeting.if[0].$ref',
        message: '$ref "nobody" does not name a shared evaluator',
      },
      {
        path: 'documents[0].spec.targeting.fractional[1][0]',
        message: 'the rule names variant "of", which flag "split" does not have (on, off)',
      },
    ]);
    const put = await t.request('PUT', '/api/v1/flags/split', { body: { spec: split } });
    expect(put.status).toBe(400);
    expect(put.body.errors).toEqual([
      { path: 'body.spec.targeting.fractional[1][0]', message: expect.stringContaining('"of"') },
    ]);
    expect((await t.request('GET', '/api/v1/flags/split')).status).toBe(404);
  });

  it('loads the same problems from a bare flagd document with warnings, evaluating as flagd does', async () => {
    const res = await t.request('POST', '/api/v1/apply', {
      body: { documents: [{ flags: { split, dangling } }] },
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { name: string; warnings?: string[] }) => [r.name, r.warnings])).toEqual([
      [
        'split',
        [
          'spec.targeting.fractional[1][0]: the rule names variant "of", which flag "split" does not have (on, off)',
        ],
      ],
      ['dangling', ['spec.targeting.if[0].$ref: $ref "nobody" does not name a shared evaluator']],
    ]);
    // flagd's answers: the missing variant is an error for the users it reaches, the dangling
    // $ref a PARSE_ERROR for everyone
    expect(await evaluate('split', { targetingKey: 'user-1' })).toMatchObject({
      reason: 'ERROR',
      errorCode: 'GENERAL',
      errorMessage: "variant 'of' not found in flag 'split'",
    });
    expect(await evaluate('dangling')).toMatchObject({ reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    // the flag's status in get and list
    const one = await t.request('GET', '/api/v1/flags/dangling');
    expect(one.body.status).toEqual({
      problems: [
        {
          path: 'flags.dangling.targeting.if[0].$ref',
          message: '$ref "nobody" does not name a shared evaluator',
          kind: 'parse',
        },
      ],
    });
    const list = await t.request('GET', '/api/v1/flags');
    expect(
      list.body.items.map((r: { metadata: { name: string }; status?: { problems: { kind: string }[] } }) => [
        r.metadata.name,
        r.status?.problems.map((p) => p.kind),
      ]),
    ).toEqual([
      ['dangling', ['parse']],
      ['split', ['lenient']],
    ]);
  });

  it('refuses the warnings with ?strict=true, the stored flags unchanged', async () => {
    const res = await t.request('POST', '/api/v1/apply?strict=true', {
      body: { documents: [{ flags: { split, dangling } }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'documents[0][0].spec.targeting.fractional[1][0]',
      'documents[0][1].spec.targeting.if[0].$ref',
    ]);
  });

  it('refuses a PUT of a flag carrying a problem it was loaded with; a fixed one replaces it', async () => {
    const again = await t.request('PUT', '/api/v1/flags/dangling', {
      body: { spec: { ...dangling, state: 'DISABLED' } },
    });
    expect(again.status).toBe(400);
    const fixed = await t.request('PUT', '/api/v1/flags/dangling', {
      body: { spec: { ...dangling, targeting: { if: [{ var: 'beta' }, 'on', 'off'] } } },
    });
    expect(fixed.status).toBe(200);
    expect((await t.request('GET', '/api/v1/flags/dangling')).body.status).toBeUndefined();
  });

  it('refuses a strict flag whose rule uses a segment loaded with a problem', async () => {
    const loaded = await t.request('POST', '/api/v1/apply', {
      body: { documents: [{ flags: {}, $evaluators: { staff: { ends_with: [{ var: 'email' }] } } }] },
    });
    expect(loaded.status).toBe(200);
    expect(loaded.body.results[0].warnings).toEqual(['spec.rule.ends_with: ends_with takes [text, part]']);
    const uses = { ...dangling, targeting: { if: [{ $ref: 'staff' }, 'on', 'off'] } };
    const put = await t.request('PUT', '/api/v1/flags/staff-only', { body: { spec: uses } });
    expect(put.status).toBe(400);
    expect(put.body.errors[0]).toEqual({
      path: 'body.spec.targeting (through segments.staff.ends_with)',
      message: 'ends_with takes [text, part]',
    });
  });

  it('refuses anything over the cost budget everywhere, a flagd document included', async () => {
    for (const [url, body] of [
      ['/api/v1/apply', { documents: [{ flags: { bomb } }] }],
      ['/api/v1/apply', { documents: [flagDoc('bomb', bomb)] }],
    ] as const) {
      const res = await t.request('POST', url, { body });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].message).toMatch(/cost budget of 100,000 work units/);
    }
    const put = await t.request('PUT', '/api/v1/flags/bomb', { body: { spec: bomb } });
    expect(put.status).toBe(400);
    expect(put.body.errors[0].path).toMatch(/^body\.spec\.targeting\.if\[0\]/);
  });

  it('answers a rule nested 10,000 levels deep with a 400 before parsing, not a stack overflow', async () => {
    // written by hand: JSON.stringify itself overflows on such a value
    const rule = `${'{"if":[true,'.repeat(10_000)}"on"${',"off"]}'.repeat(10_000)}`;
    const spec = `{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off","targeting":${rule}}`;
    const put = await t.request('PUT', '/api/v1/flags/deep', { rawBody: `{"spec":${spec}}` });
    expect(put.status).toBe(400);
    expect(JSON.stringify(put.body)).toContain(TOO_DEEP_MESSAGE);
    expect((await t.request('GET', '/api/v1/flags/deep')).status).toBe(404);
  });
});
