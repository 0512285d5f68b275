/**
 * The --flags-file loader against a real control plane: load, reload on change, a broken file
 * keeps the last good flags serving, and only flags the loader wrote are deleted with the file's.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { FlagsFileLoader, type FlagsFileResult } from './flags-file-loader.js';

describe('flags file loader', () => {
  let t: TestServer;
  let dir: string;
  let file: string;
  let loader: FlagsFileLoader;
  const errors: string[] = [];
  const warnings: string[] = [];
  const evaluate = (flag: string, context: Record<string, unknown> = {}) =>
    t.server.flags.evaluate('development', flag, undefined, context);
  /** Writes the file the way editors do (write aside, rename over) and waits for the reload it causes. */
  const change = (content: string) =>
    new Promise<FlagsFileResult>((resolve) => {
      const off = loader.onResult((result) => {
        off();
        resolve(result);
      });
      writeFileSync(`${file}.tmp`, content);
      renameSync(`${file}.tmp`, file);
    });

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'sluice-flags-file-'));
    file = join(dir, 'flags.yaml');
    writeFileSync(
      file,
      [
        'flags:',
        '  checkout:',
        '    state: ENABLED',
        '    variants: {on: true, off: false}',
        '    defaultVariant: "off"',
        '    targeting: {if: [{$ref: staff}, "on", null]}',
        '  banner:',
        '    state: ENABLED',
        '    variants: {red: red, blue: blue}',
        '    defaultVariant: red',
        '$evaluators:',
        '  staff: {ends_with: [{var: email}, "@example.com"]}',
        '',
      ].join('\n'),
    );
    loader = new FlagsFileLoader({
      path: file,
      environment: 'development',
      db: t.server.database.db,
      resources: t.server.resources,
      onCommitted: (env) => t.server.flagSets.invalidate(env),
      log: { info: () => {}, warn: (m) => warnings.push(m), error: (m) => errors.push(m) },
      debounceMs: 50,
    });
  });
  afterAll(async () => {
    await loader?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the file into the default environment as the flags-file actor', async () => {
    const result = await loader.start();
    expect(result).toMatchObject({ ok: true, deleted: [] });
    expect(await evaluate('checkout', { email: 'ann@example.com' })).toMatchObject({
      value: true,
      variant: 'on',
    });
    expect(await evaluate('banner')).toMatchObject({ value: 'red' });
    const stored = await t.request('GET', '/api/v1/flags/banner?environment=development');
    expect(stored.body.metadata.updatedBy).toBe('flags-file');
  });

  it('reloads when the file changes, and deletes only the flags it wrote', async () => {
    // a flag created through the API is not the loader's to delete
    const own = { state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a' };
    expect(
      (await t.request('PUT', '/api/v1/flags/mine?environment=development', { body: { spec: own } })).status,
    ).toBe(201);
    const result = await change(
      'flags:\n  banner:\n    state: ENABLED\n    variants: {red: red, blue: blue}\n    defaultVariant: blue\n',
    );
    expect(result).toMatchObject({ ok: true, deleted: ['Flag/checkout', 'Segment/staff'] });
    expect(await evaluate('banner')).toMatchObject({ value: 'blue' });
    expect(await evaluate('checkout')).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
    expect(await evaluate('mine')).toMatchObject({ value: 'a' });
  });

  it('keeps serving the last good flags when the file breaks, naming file, line and column', async () => {
    const syntax = await change(
      'flags:\n  banner:\n    state: ENABLED\n    variants: {red: red, blue: blue\n',
    );
    expect(syntax.ok).toBe(false);
    expect(errors.at(-1)).toMatch(/flags\.yaml:\d+:\d+/);
    expect(await evaluate('banner')).toMatchObject({ value: 'blue' });

    const invalid = await change(
      'flags:\n  banner:\n    state: ENABLED\n    variants: {red: red, blue: blue}\n    defaultVariant: green\n',
    );
    expect(invalid).toMatchObject({
      ok: false,
      fields: [{ path: expect.stringContaining('flags.yaml:5:21 (flags.banner.defaultVariant)') }],
    });
    expect(await evaluate('banner')).toMatchObject({ value: 'blue' });

    // over the cost budget: refused in every mode
    const bomb = await change(
      `flags:\n  banner:\n    state: ENABLED\n    variants: {red: red, blue: blue}\n    defaultVariant: red\n    targeting: {if: [{in: [1, {reduce: [${JSON.stringify(Array.from({ length: 30 }, (_, i) => i))}, {merge: [{var: accumulator}, {var: accumulator}]}, [1]]}]}, blue, red]}\n`,
    );
    expect(bomb.ok).toBe(false);
    expect(errors.at(-1)).toMatch(/flags\.yaml:6:\d+ \(flags\.banner\.targeting.*cost budget/s);
    expect(await evaluate('banner')).toMatchObject({ value: 'blue' });
  });

  it('loads what flagd tolerates with a warning, and evaluates it as flagd does', async () => {
    const dangling = await change(
      'flags:\n  banner:\n    state: ENABLED\n    variants: {red: red, blue: blue}\n    defaultVariant: red\n    targeting: {if: [{$ref: nobody}, blue, null]}\n  split:\n    state: ENABLED\n    variants: {on: true, off: false}\n    defaultVariant: "off"\n    targeting: {fractional: [["on", 0], ["of", 100]]}\n',
    );
    expect(dangling).toMatchObject({ ok: true });
    expect(warnings).toEqual([
      expect.stringMatching(/flags\.yaml:6:\d+ \(flags\.banner\.targeting.*\$ref "nobody" does not name/),
      expect.stringMatching(/flags\.yaml:11:\d+ \(flags\.split\.targeting.*variant "of"/),
    ]);
    expect(await evaluate('banner')).toMatchObject({ reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    expect(await evaluate('split', { targetingKey: 'u' })).toMatchObject({
      reason: 'ERROR',
      errorCode: 'GENERAL',
    });
    // the flag's status says what it was loaded with
    const stored = await t.request('GET', '/api/v1/flags/banner?environment=development');
    expect(stored.body.status.problems).toEqual([
      {
        path: 'flags.banner.targeting.if[0].$ref',
        message: '$ref "nobody" does not name a shared evaluator',
        kind: 'parse',
      },
    ]);

    const fixed = await change(
      'flags:\n  banner:\n    state: DISABLED\n    variants: {red: red}\n    defaultVariant: red\n',
    );
    expect(fixed.ok).toBe(true);
    expect(await evaluate('banner')).toMatchObject({ reason: 'DISABLED' });
  });
});
