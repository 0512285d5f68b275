/**
 * The README tour, run as printed (scripts/readme-test.mjs): every sh/bash block of README.md
 * and of each example README, in one bash, against a fresh `sluice up` on SQLite. Also the
 * harness's own parsing of the block markers.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without types
import { buildScript, extractBlocks } from './readme-test.mjs';

const HARNESS = fileURLToPath(new URL('./readme-test.mjs', import.meta.url));

describe('readme-test harness', () => {
  it('finds sh/bash blocks and the marker right before each, and nothing else', () => {
    const md = [
      '# x',
      '```sh',
      'echo one',
      '```',
      '<!-- readme-test: skip -->',
      '```bash',
      'npm ci',
      '```',
      '<!-- readme-test: exit=3 -->',
      '',
      '```sh',
      'exit 3',
      '```',
      '```ts',
      '```sh inside a ts block is not a block',
      '```',
      '<!-- readme-test: background -->',
      '```sh',
      'sleep 100',
      '```',
    ].join('\n');
    expect(extractBlocks(md)).toEqual([
      { line: 2, code: 'echo one', mode: 'run', exit: 0 },
      { line: 6, code: 'npm ci', mode: 'skip', exit: 0 },
      { line: 11, code: 'exit 3', mode: 'run', exit: 3 },
      { line: 18, code: 'sleep 100', mode: 'background', exit: 0 },
    ]);
    const script = buildScript([{ file: 'X.md', blocks: extractBlocks(md) }]);
    expect(script).toContain('shopt -s expand_aliases');
    expect(script).toContain("echo '::skip X.md:6'");
    expect(script).not.toContain('npm ci');
  });

  it('runs the tour as printed, under ten minutes', async () => {
    const started = Date.now();
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [HARNESS], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('close', (c) => resolve({ code: c, output }));
    });
    console.log(`README tour: ${((Date.now() - started) / 1000).toFixed(1)}s wall time`);
    expect(code, output.slice(-20_000)).toBe(0);
    expect(output).toContain('::done');
    expect(output).toMatch(/multi-stage-feature-release.* succeeded/);
    expect(output).toMatch(/rolled_back/);
  }, 600_000);
});
