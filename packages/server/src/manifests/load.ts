/**
 * Reads manifest files: YAML or JSON, one or many documents per file (YAML `---`, or a JSON
 * array), a directory meaning every .yaml/.yml/.json file in it. A syntax error names the
 * file, line and column. JSON goes through the YAML parser too, which is what gives its errors
 * a line and column.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { defineError, type FieldError, ValidationFailed } from '@sluice/core';
import { parseAllDocuments } from 'yaml';

export const ManifestUnreadable = defineError('MANIFEST_UNREADABLE', 400, 'A manifest file cannot be read');

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface LoadedManifests {
  documents: unknown[];
  /** Where each document came from: `deploy/flags.yaml#2` (1-based document number). */
  sources: string[];
}

/** Expands directories (sorted, not recursive into hidden folders) into manifest files. */
export function manifestFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      throw ManifestUnreadable(`${path}: no such file or directory`, {
        fields: [{ path, message: 'no such file or directory' }],
      });
    }
    if (stat.isDirectory()) {
      const entries = readdirSync(path, { withFileTypes: true })
        .filter((e) => !e.name.startsWith('.'))
        .sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        const full = join(path, e.name);
        if (e.isDirectory()) files.push(...manifestFiles([full]));
        else if (EXTENSIONS.has(extname(e.name).toLowerCase())) files.push(full);
      }
    } else {
      files.push(path);
    }
  }
  return files;
}

export function parseManifest(text: string, file: string): LoadedManifests {
  const documents: unknown[] = [];
  const sources: string[] = [];
  const errors: FieldError[] = [];
  const parsed = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(parsed) ? parsed : [parsed];
  list.forEach((doc, i) => {
    for (const e of doc.errors) {
      const [line, col] = e.linePos?.[0] ? [e.linePos[0].line, e.linePos[0].col] : positionOf(text, e.pos[0]);
      errors.push({ path: `${file}:${line}:${col}`, message: e.message.split('\n')[0] ?? e.message });
    }
    if (doc.errors.length) return;
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // an empty document (trailing ---)
    if (Array.isArray(value) && extname(file).toLowerCase() === '.json') {
      value.forEach((v, j) => {
        documents.push(v);
        sources.push(`${file}#${j + 1}`);
      });
    } else {
      documents.push(value);
      sources.push(list.length > 1 ? `${file}#${i + 1}` : file);
    }
  });
  if (errors.length) {
    throw ValidationFailed(
      `cannot parse ${file}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      { fields: errors },
    );
  }
  return { documents, sources };
}

export function loadManifests(paths: string[]): LoadedManifests {
  const out: LoadedManifests = { documents: [], sources: [] };
  const errors: FieldError[] = [];
  for (const file of manifestFiles(paths)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      errors.push({ path: file, message: (error as Error).message });
      continue;
    }
    try {
      const one = parseManifest(text, file);
      out.documents.push(...one.documents);
      out.sources.push(...one.sources);
    } catch (error) {
      errors.push(
        ...((error as { fields?: FieldError[] }).fields ?? [{ path: file, message: String(error) }]),
      );
    }
  }
  if (errors.length) {
    throw ValidationFailed(
      `cannot read the manifests: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      { fields: errors },
    );
  }
  if (!out.documents.length) throw ManifestUnreadable(`no documents found in ${paths.join(', ')}`);
  return out;
}

function positionOf(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset).split('\n');
  return [before.length, (before.at(-1)?.length ?? 0) + 1];
}
