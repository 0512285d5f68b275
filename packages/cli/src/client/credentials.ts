import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliIo } from '../io.js';

export interface Credentials {
  url: string;
  token: string | null;
  /** Where the token came from, for error messages. */
  tokenSource: string;
}

/** SLUICE_URL (default http://127.0.0.1:4200) and SLUICE_TOKEN, else the local admin-token file. */
export function resolveCredentials(
  io: CliIo,
  overrides: { url?: string | undefined; token?: string | undefined } = {},
): Credentials {
  const url = (overrides.url ?? io.env.SLUICE_URL ?? 'http://127.0.0.1:4200').replace(/\/+$/, '');
  const token = overrides.token ?? io.env.SLUICE_TOKEN;
  if (token) return { url, token, tokenSource: overrides.token ? '--token' : 'SLUICE_TOKEN' };
  const file = resolve(io.cwd, io.env.SLUICE_DATA_DIR || '.sluice', 'admin-token');
  try {
    return { url, token: readFileSync(file, 'utf8').trim(), tokenSource: file };
  } catch {
    return { url, token: null, tokenSource: 'none (set SLUICE_TOKEN)' };
  }
}
