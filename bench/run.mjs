// `npm run bench [name]`: runs one benchmark (or all) and prints its table; record the output
// in bench/RESULTS.md with the date and command.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv[2];
const names = readdirSync(here, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(`${here}${e.name}/run.mjs`))
  .map((e) => e.name)
  .filter((n) => !wanted || n === wanted);
if (!names.length) {
  console.error(`no benchmark named ${wanted}`);
  process.exit(2);
}
for (const name of names) {
  console.log(`\n## bench/${name}`);
  const r = spawnSync(process.execPath, [`${here}${name}/run.mjs`, ...process.argv.slice(3)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exitCode = 1;
}
