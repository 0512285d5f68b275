/**
 * Where the CLI connects and with which token, from any folder, first found wins:
 * `--url`/`--token`, `SLUICE_URL`/`SLUICE_TOKEN`, the per-user config `sluice login` writes,
 * then `./.sluice` (the admin token `sluice up` saved, for the same machine).
 *
 * A token only ever goes to the server it belongs to: a context's token to its own URL, the
 * local admin token to the local server.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { type CliConfig, configPath, readConfig } from './config-file.js';

export const DEFAULT_URL = 'http://127.0.0.1:4200';

export interface Credentials {
  url: string;
  token: string | null;
  /** Where the token came from, for error messages. */
  tokenSource: string;
}

const tidy = (url: string) => url.replace(/\/+$/, '');

function readTrimmed(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
  } catch {
    return false;
  }
}

/** The context whose URL this is: the current one if it matches, else the first that does. */
function contextFor(config: CliConfig, url: string): [string, { url: string; token: string }] | null {
  const current = config.current ? config.contexts[config.current] : undefined;
  if (config.current && current && tidy(current.url) === url) return [config.current, current];
  return Object.entries(config.contexts).find(([, c]) => tidy(c.url) === url) ?? null;
}

export function resolveCredentials(
  io: CliIo,
  overrides: { url?: string | undefined; token?: string | undefined } = {},
): Credentials {
  const config = readConfig(io);
  const dataDir = resolve(io.cwd, io.env.SLUICE_DATA_DIR || '.sluice');
  const current = config.current ? config.contexts[config.current] : undefined;
  const url = tidy(
    overrides.url ??
      (io.env.SLUICE_URL || current?.url || readTrimmed(resolve(dataDir, 'url')) || DEFAULT_URL),
  );
  if (overrides.token) return { url, token: overrides.token, tokenSource: '--token' };
  if (io.env.SLUICE_TOKEN) return { url, token: io.env.SLUICE_TOKEN, tokenSource: 'SLUICE_TOKEN' };
  const context = contextFor(config, url);
  if (context)
    return { url, token: context[1].token, tokenSource: `context "${context[0]}" in ${configPath(io)}` };
  const file = resolve(dataDir, 'admin-token');
  const local = isLoopback(url) ? readTrimmed(file) : null;
  if (local) return { url, token: local, tokenSource: file };
  return {
    url,
    token: null,
    tokenSource: `run \`sluice login ${url} --token …\`, or set SLUICE_TOKEN`,
  };
}
