/**
 * The per-user CLI configuration: `$XDG_CONFIG_HOME/sluice/config.json` (`~/.config` by
 * default), `{current, contexts: {name: {url, token}}}`, written by `sluice login` with mode
 * 0600 (it holds tokens) in a 0700 folder.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';

export const cliConfigSchema = z.object({
  current: z.string().nullable().default(null),
  contexts: z.record(z.string().min(1), z.object({ url: z.url(), token: z.string().min(1) })).default({}),
});
export type CliConfig = z.infer<typeof cliConfigSchema>;

export function configPath(io: Pick<CliIo, 'env'>): string {
  const base = io.env.XDG_CONFIG_HOME || join(io.env.HOME || homedir(), '.config');
  return join(base, 'sluice', 'config.json');
}

/** The config, or an empty one when there is no file; a broken file is an error naming it. */
export function readConfig(io: Pick<CliIo, 'env'>): CliConfig {
  const file = configPath(io);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { current: null, contexts: {} };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError('Bad CLI config', `${file} is not JSON (${(error as Error).message})`);
  }
  const result = cliConfigSchema.safeParse(parsed);
  if (!result.success)
    throw new CliError(
      'Bad CLI config',
      `${file} is not {current, contexts: {name: {url, token}}}`,
      result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  return result.data;
}

/** Writes the config whole (write, then rename), readable by its owner only. */
export function writeConfig(io: Pick<CliIo, 'env'>, config: CliConfig): string {
  const file = configPath(io);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
  return file;
}

/** Whether the file can be read by others than its owner (a token would leak). */
export function looseMode(file: string): boolean {
  try {
    return (statSync(file).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}
