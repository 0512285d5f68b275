/** Runs the CLI in-process, as a user would type it, capturing what it prints. */
import type { CliIo } from '../io.js';
import { run } from '../program.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  options: { url: string; token: string; cwd: string } | { env: NodeJS.ProcessEnv; cwd: string },
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: 'env' in options ? options.env : { SLUICE_URL: options.url, SLUICE_TOKEN: options.token },
    cwd: options.cwd,
    isTty: false,
  };
  const code = await run(['node', 'sluice', ...args], io);
  return { code, stdout, stderr };
}
