/**
 * Secret values (webhook URLs, API keys) never sit in specs or the audit log: a spec holds
 * `{ secretRef: NAME }` and the value comes from a secret the operator declared (SECURITY.md):
 * an environment variable with the allow-listed prefix (default `SLUICE_SECRET_`), the
 * operator's secrets file (`secrets.file` in SLUICE_CONFIG), or `<data dir>/secrets.json`.
 * Files are read when needed so a rotated secret applies. Nothing else in the process's
 * environment — the admin token, DATABASE_URL — can be named.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineError } from '@sluice/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const SecretNotFound = defineError('SECRET_NOT_FOUND', 422, 'A referenced secret is not set');

export const secretRefSchema = z
  .object({
    secretRef: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{0,127}$/, 'secret names are upper-case letters, digits and "_"'),
  })
  .strict()
  .meta({ id: 'SecretRef' });
export type SecretRef = z.infer<typeof secretRefSchema>;

/** The control plane's own settings: never a secret a resource may name, whatever the prefix. */
const NEVER_SECRETS = new Set([
  'SLUICE_ADMIN_TOKEN',
  'DATABASE_URL',
  'SLUICE_CONFIG',
  'SLUICE_METRICS_TOKEN',
]);

/** The variables of `env` a `secretRef` may name: those with the operator's prefix. */
export function declaredSecretEnv(env: NodeJS.ProcessEnv, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (name.startsWith(prefix) && !NEVER_SECRETS.has(name) && value) out[name] = value;
  return out;
}

export class SecretResolver {
  /**
   * @param env the variables that are declared secrets (the server passes `declaredSecretEnv`)
   * @param file the operator's secrets file (JSON or YAML), if any
   */
  constructor(
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly dataDir: string,
    private readonly file?: string,
  ) {}

  resolve(ref: SecretRef): string {
    const name = ref.secretRef;
    if (!NEVER_SECRETS.has(name)) {
      const fromEnv = Object.hasOwn(this.env, name) ? this.env[name] : undefined;
      if (fromEnv) return fromEnv;
      for (const path of this.files()) {
        const value = readMap(path)[name];
        if (typeof value === 'string' && value) return value;
      }
    }
    throw SecretNotFound(
      `secret ${name} is not declared: a secretRef names a variable with the operator's prefix or an entry of ${this.files().join(' or ')}`,
    );
  }

  private files(): string[] {
    return [...(this.file ? [this.file] : []), join(this.dataDir, 'secrets.json')];
  }
}

function readMap(path: string): Record<string, unknown> {
  try {
    const parsed: unknown = parseYaml(readFileSync(path, 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
