/**
 * Every package the lockfile installs runs on the Node this project supports (package.json
 * `engines`): `npm ci` on that Node prints no EBADENGINE warning, and nothing fails at run time
 * for want of a newer Node.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const read = (file: string) => JSON.parse(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'));

describe('package-lock.json', () => {
  it('holds no package that needs a newer Node than the project supports', () => {
    const oldest = semver.minVersion(read('package.json').engines.node);
    expect(oldest?.version).toMatch(/^20\./);
    const packages = read('package-lock.json').packages as Record<string, { engines?: { node?: string } }>;
    const tooNew = Object.entries(packages)
      .filter(([, p]) => typeof p.engines?.node === 'string')
      .filter(([, p]) => !semver.satisfies(oldest!.version, p.engines!.node!))
      .map(([path, p]) => `${path} needs node ${p.engines!.node}`);
    expect(tooNew).toEqual([]);
  });
});
