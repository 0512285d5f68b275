import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifests, parseManifest } from './load.js';

describe('manifests', () => {
  it('reads several YAML documents from one file and names each source', () => {
    const m = parseManifest(
      'kind: Environment\nmetadata: {name: a}\nspec: {}\n---\nkind: Environment\nmetadata: {name: b}\nspec: {}\n',
      'envs.yaml',
    );
    expect(m.documents).toHaveLength(2);
    expect(m.sources).toEqual(['envs.yaml#1', 'envs.yaml#2']);
  });

  it('reads a directory of YAML and JSON files, JSON arrays as many documents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-manifests-'));
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'a.yaml'), 'kind: Environment\nmetadata: {name: a}\nspec: {}\n');
    writeFileSync(join(dir, 'nested', 'b.json'), JSON.stringify([{ x: 1 }, { y: 2 }]));
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const m = loadManifests([dir]);
    expect(m.documents).toEqual([
      { kind: 'Environment', metadata: { name: 'a' }, spec: {} },
      { x: 1 },
      { y: 2 },
    ]);
    expect(m.sources[1]).toMatch(/nested\/b\.json#1$/);
  });

  it('names file, line and column of a syntax error', () => {
    expect(() => parseManifest('kind: Environment\nspec: {\n  a: [1, 2\n', 'bad.yaml')).toThrowError(
      /bad\.yaml:\d+:\d+/,
    );
    try {
      parseManifest('{\n  "name": "x",\n  "stages": [1, 2,, ]\n}', 'plan.json');
      expect.unreachable();
    } catch (error) {
      expect((error as { fields: { path: string }[] }).fields[0]?.path).toMatch(/^plan\.json:3:\d+$/);
    }
  });

  it('refuses duplicate keys and missing files', () => {
    expect(() => parseManifest('a: 1\na: 2\n', 'dup.yaml')).toThrowError(/dup\.yaml:2/);
    expect(() => loadManifests(['/nonexistent/x.yaml'])).toThrowError(/no such file/);
  });
});
