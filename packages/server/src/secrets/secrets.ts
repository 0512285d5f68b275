/**
 * Secret values (webhook URLs, API keys) never sit in specs or the audit log: a spec holds
 * `{ secretRef: NAME }` and the value comes from the environment variable NAME or from
 * `<data dir>/secrets.json` ({"NAME": "value"}), read when needed so a rotated secret applies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineError } from '@sluice/core';
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

export class SecretResolver {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly dataDir: string,
  ) {}

  resolve(ref: SecretRef): string {
    const fromEnv = this.env[ref.secretRef];
    if (fromEnv) return fromEnv;
    const fromFile = this.readFile()[ref.secretRef];
    if (typeof fromFile === 'string' && fromFile) return fromFile;
    throw SecretNotFound(
      `secret ${ref.secretRef} is neither an environment variable nor in ${join(this.dataDir, 'secrets.json')}`,
    );
  }

  private readFile(): Record<string, unknown> {
    try {
      const parsed: unknown = JSON.parse(readFileSync(join(this.dataDir, 'secrets.json'), 'utf8'));
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : {};
    } catch {
      return {};
    }
  }
}
