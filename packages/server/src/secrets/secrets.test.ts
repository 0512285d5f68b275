import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretResolver, secretRefSchema } from './secrets.js';

describe('SecretResolver', () => {
  it('prefers the environment, then the secrets file, else names the missing secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-secrets-'));
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ SLACK_URL: 'from-file', BOTH: 'file' }));
    const r = new SecretResolver({ BOTH: 'env' }, dir);
    expect(r.resolve({ secretRef: 'SLACK_URL' })).toBe('from-file');
    expect(r.resolve({ secretRef: 'BOTH' })).toBe('env');
    expect(() => r.resolve({ secretRef: 'MISSING' })).toThrow(/MISSING/);
  });

  it('refuses secret names that are not upper-case identifiers', () => {
    expect(secretRefSchema.safeParse({ secretRef: 'https://hooks.example/abc' }).success).toBe(false);
  });
});
