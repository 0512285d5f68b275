/**
 * Every error code Sluice can answer with is listed in docs/errors.md (like Fastify's
 * lib/errors.js catalogue): this test loads every slice, reads the live catalogue and compares.
 * Regenerate the page with `UPDATE_ERRORS_DOC=1 npx vitest run packages/server/src/errors-catalog`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { catalog } from '@sluice/core';
import { describe, expect, it } from 'vitest';

const DOC = fileURLToPath(new URL('../../../docs/errors.md', import.meta.url));

async function loadEverySlice(): Promise<void> {
  await import('./index.js');
  await import('./server.js');
  await import('@sluice/core/flags');
  await import('@sluice/core/rollouts');
  await import('@sluice/router');
}

function render(): string {
  const rows = catalog().map((e) => `| \`${e.code}\` | ${e.status} | ${e.title} |`);
  return [
    '# Error codes',
    '',
    'Every error from `/api/v1` is RFC 9457 `application/problem+json` with a stable `code`:',
    '`{type: "urn:sluice:error:<code>", title, status, detail, code, instance, requestId, errors?}`,',
    'where `errors` lists `{path, message}` for each bad field. Codes never change meaning; new',
    'ones are added here (this page is checked against the code by `errors-catalog.test.ts`).',
    '',
    '| code | HTTP status | title |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

describe('error catalogue', () => {
  it('has one meaning per code and documents every code', async () => {
    await loadEverySlice();
    const codes = catalog().map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.length).toBeGreaterThan(20);
    const expected = render();
    if (process.env.UPDATE_ERRORS_DOC) writeFileSync(DOC, expected);
    expect(readFileSync(DOC, 'utf8')).toBe(expected);
  });
});
