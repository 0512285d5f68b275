import { processIo } from './io.js';
import { run } from './program.js';

export type { CliIo } from './io.js';
export { buildProgram, run } from './program.js';

/** The `sluice` binary's entry: process argv in, exit code out. */
export async function main(argv: string[]): Promise<number> {
  return run(argv, processIo());
}
