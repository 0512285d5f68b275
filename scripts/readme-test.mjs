#!/usr/bin/env node
// The README tour is a test: every `sh`/`bash` block of README.md and of each examples/*/README.md
// runs, in order, in one `bash -e` with aliases on, in a temporary copy of the repository,
// against a fresh `sluice up` on SQLite that this script starts on free ports. A comment right
// before a block changes how it runs (see scripts/README.md):
//   <!-- readme-test: skip -->        not run (set-up, or needs a person)
//   <!-- readme-test: exit=N -->      must exit with N
//   <!-- readme-test: background -->  started in the background, stopped at the end
// Exit 0 when every block ran as printed; prints the wall time either way.
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MARK = /^<!--\s*readme-test:\s*(skip|background|exit=(\d+))\s*-->$/;

/** The READMEs the tour spans, in the order they run. */
export function readmes(root = ROOT) {
  const examples = join(root, 'examples');
  const nested = readdirSync(examples, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(examples, d.name, 'README.md')))
    .map((d) => join('examples', d.name, 'README.md'))
    .sort();
  return ['README.md', ...nested];
}

/** The `sh`/`bash` blocks of a markdown text: {line, code, mode: run|skip|background, exit}. */
export function extractBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(sh|bash)\s*$/.exec(lines[i] ?? '');
    if (!open) {
      if (/^```/.test(lines[i] ?? '')) for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++);
      continue;
    }
    let back = i - 1;
    while (back >= 0 && (lines[back] ?? '').trim() === '') back--;
    const mark = MARK.exec((lines[back] ?? '').trim());
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end++;
    if (end >= lines.length) throw new Error(`line ${i + 1}: a code block that never closes`);
    blocks.push({
      line: i + 1,
      code: lines.slice(start, end).join('\n'),
      mode: mark?.[1] === 'skip' ? 'skip' : mark?.[1] === 'background' ? 'background' : 'run',
      exit: mark?.[2] === undefined ? 0 : Number(mark[2]),
    });
    i = end;
  }
  return blocks;
}

/** One bash script running every block in order; `::block file:line` lines say where it is. */
export function buildScript(files) {
  const out = ['set -e', 'shopt -s expand_aliases', 'readme_test_jobs=()'];
  const q = (s) => `'${s.replaceAll("'", `'\\''`)}'`;
  for (const { file, blocks } of files) {
    for (const b of blocks) {
      const where = `${file}:${b.line}`;
      if (b.mode === 'skip') {
        out.push(`echo ${q(`::skip ${where}`)}`);
        continue;
      }
      out.push(`echo ${q(`::block ${where}`)}`);
      if (b.mode === 'background') {
        out.push(`( ${b.code}\n) > ${q(`.readme-test-${b.line}.log`)} 2>&1 &`, 'readme_test_jobs+=($!)');
      } else if (b.exit !== 0) {
        out.push(
          'set +e',
          `( set -e\n${b.code}\n)`,
          'readme_test_rc=$?',
          'set -e',
          `if [ "$readme_test_rc" -ne ${b.exit} ]; then echo ${q(`::failed ${where}: expected exit ${b.exit}`)}", got $readme_test_rc"; exit 1; fi`,
        );
      } else {
        out.push(b.code);
      }
    }
  }
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash array expansion, not a template
  out.push('for j in "${readme_test_jobs[@]}"; do kill "$j" 2>/dev/null || true; done', 'echo ::done');
  return `${out.join('\n')}\n`;
}

function freePortPair() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => {
        const next = net.createServer();
        next.once('error', () => resolve(freePortPair()));
        next.listen(port + 1, '127.0.0.1', () => next.close(() => resolve(port)));
      });
    });
  });
}

/** Tracked files (as a fresh clone has them) and the build, with node_modules linked. */
function copyRepo() {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-readme-'));
  const listed = spawnSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\n').filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue;
    cpSync(join(ROOT, file), join(dir, file), { recursive: true });
  }
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    const dist = join(ROOT, 'packages', pkg, 'dist');
    if (existsSync(dist)) cpSync(dist, join(dir, 'packages', pkg, 'dist'), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

async function waitReady(url, child, ms = 60_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error('sluice up exited while starting');
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`sluice up was not ready at ${url}`);
}

export async function main() {
  const started = Date.now();
  const say = (t) => console.log(`[readme-test ${((Date.now() - started) / 1000).toFixed(1)}s] ${t}`);
  say('building (tsc -b)');
  const built = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (built.status !== 0) return 1;
  const dir = copyRepo();
  const apiPort = await freePortPair();
  const routerPort = await freePortPair();
  const env = {
    ...process.env,
    SLUICE_PORT: String(apiPort),
    SLUICE_ROUTER_PORT: String(routerPort),
    SLUICE_LOG_FORMAT: 'json',
  };
  for (const k of ['SLUICE_URL', 'SLUICE_TOKEN', 'SLUICE_DATA_DIR', 'DATABASE_URL', 'SLUICE_ADMIN_TOKEN'])
    delete env[k];
  env.XDG_CONFIG_HOME = join(dir, '.config');
  say(`copy in ${dir}; sluice up on :${apiPort}, router on :${routerPort}`);
  const serverLog = join(dir, '.readme-test-server.log');
  const up = spawn(process.execPath, ['packages/cli/bin/sluice.js', 'up'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let upOut = '';
  up.stdout.on('data', (d) => (upOut += d));
  up.stderr.on('data', (d) => (upOut += d));
  let code = 1;
  let stopGroup = () => {};
  try {
    await waitReady(`http://127.0.0.1:${apiPort}`, up);
    const files = readmes(dir).map((file) => ({
      file,
      blocks: extractBlocks(readFileSync(join(dir, file), 'utf8')),
    }));
    const script = join(dir, '.readme-test.sh');
    writeFileSync(script, buildScript(files));
    // its own process group: whatever the blocks leave running is stopped with it
    const bash = spawn('bash', ['-e', script], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    stopGroup = () => {
      try {
        process.kill(-bash.pid, 'SIGTERM');
      } catch {}
    };
    let last = '';
    const echo = (d) => {
      const text = String(d);
      process.stdout.write(text);
      for (const m of text.matchAll(/^::block (\S+)$/gm)) last = m[1];
    };
    bash.stdout.on('data', echo);
    bash.stderr.on('data', (d) => process.stdout.write(String(d)));
    code = await new Promise((resolve) => bash.on('close', resolve));
    if (code !== 0) say(`FAILED in the block at ${last} (exit ${code})`);
  } finally {
    stopGroup();
    up.kill('SIGTERM');
    await new Promise((r) => (up.exitCode !== null ? r() : up.once('exit', r)));
    if (code !== 0) {
      writeFileSync(serverLog, upOut);
      say(`server output (last lines):\n${upOut.split('\n').slice(-30).join('\n')}`);
    }
    say(`wall time ${((Date.now() - started) / 1000).toFixed(1)}s`);
    if (code === 0 && !process.env.README_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
    else say(`left ${dir} for a look`);
  }
  return code;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
