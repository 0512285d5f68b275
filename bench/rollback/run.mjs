// bench/rollback: how fast a failing canary is rolled back. Usage:
//   node bench/rollback/run.mjs [trials=20] [--record]
// Runs trials.mjs through tsx (sources, `--conditions=sluice-source`) in a process of its own.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--conditions=sluice-source', `${here}trials.mjs`, ...process.argv.slice(2)],
  { stdio: 'inherit', cwd: fileURLToPath(new URL('../..', import.meta.url)) },
);
process.exit(r.status ?? 1);
