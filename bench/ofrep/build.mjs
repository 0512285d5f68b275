// Builds Sluice (`tsc -b`) before a bench starts its server: the compiled build, as `npm start`
// runs it, and of this checkout. Exits the bench when the build fails.
import { spawnSync } from 'node:child_process';

export function buildSluice(root) {
  const build = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status === 0) return;
  console.error('Sluice did not build: npx tsc -b');
  process.exit(2);
}
