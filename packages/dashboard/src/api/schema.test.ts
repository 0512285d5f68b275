/**
 * The committed client types must match the server's OpenAPI document as it is now: a route
 * changed without `npm run api-types` fails here, not in a browser.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiTypes } from '../../scripts/api-types-source';

describe('generated API types', () => {
  it('are up to date with the server (run `npm run api-types -w packages/dashboard` if not)', async () => {
    const committed = readFileSync(new URL('./schema.d.ts', import.meta.url), 'utf8');
    expect(committed === (await apiTypes())).toBe(true);
  });
});
