/**
 * The documents of a commit's manifest files, each named `file:line` (the line its document
 * starts on) so a broken commit is reported with file, line and reason.
 */
import { parseAllDocuments } from 'yaml';
import { parseManifest } from '../manifests/load.js';
import type { RepositoryFile } from './git-reader.js';
import type { SyncProblem } from './sync-store.js';

export class CommitBroken extends Error {
  constructor(readonly problems: SyncProblem[]) {
    super(problems.map((p) => `${p.file ?? ''}${p.line ? `:${p.line}` : ''} ${p.reason}`).join('; '));
  }
}

/** `deploy/app.yaml:12:3` or `deploy/app.yaml:12` → file and line. */
export function problemAt(path: string, reason: string): SyncProblem {
  const m = /^(.*?):(\d+)(?::\d+)?$/.exec(path);
  return m
    ? { file: m[1] as string, line: Number(m[2]), reason }
    : { file: path || null, line: null, reason };
}

export function commitDocuments(files: readonly RepositoryFile[]): {
  documents: unknown[];
  sources: string[];
} {
  const documents: unknown[] = [];
  const sources: string[] = [];
  const problems: SyncProblem[] = [];
  for (const file of files) {
    try {
      const loaded = parseManifest(file.text, file.path);
      const starts = parseAllDocuments(file.text).map((d) => lineOf(file.text, d.contents?.range[0] ?? 0));
      loaded.documents.forEach((doc, i) => {
        // `file#N` is the Nth YAML document (or, in a JSON array, its Nth item: line unknown)
        const n = Number(/#(\d+)$/.exec(loaded.sources[i] ?? '')?.[1] ?? 1);
        const line = file.path.toLowerCase().endsWith('.json') ? 1 : (starts[n - 1] ?? 1);
        documents.push(doc);
        sources.push(`${file.path}:${line}`);
      });
    } catch (error) {
      const fields = (error as { fields?: { path: string; message: string }[] }).fields;
      if (fields?.length) for (const f of fields) problems.push(problemAt(f.path, f.message));
      else problems.push({ file: file.path, line: null, reason: (error as Error).message });
    }
  }
  if (problems.length) throw new CommitBroken(problems);
  return { documents, sources };
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}
