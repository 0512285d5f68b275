#!/usr/bin/env node
// `npm start`: build what is not built yet (tsc -b is incremental, the dashboard when its
// dist/ is missing), then `sluice up`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);
if (!existsSync(`${root}packages/dashboard/dist/index.html`)) {
  console.log('building the dashboard (packages/dashboard, once)');
  const vite = spawnSync(process.execPath, [`${root}node_modules/vite/bin/vite.js`, 'build'], {
    cwd: `${root}packages/dashboard`,
    stdio: 'inherit',
  });
  if (vite.status !== 0) process.exit(vite.status ?? 1);
}
const { main } = await import('../packages/cli/dist/index.js');
process.exitCode = await main([process.argv[0], 'sluice', 'up', ...process.argv.slice(2)]);
