/**
 * `sluice up --flags-file PATH`: loads a flagd flags file (JSON or YAML) into the default
 * environment through the resource machinery (versioned, audited, actor `flags-file`) and
 * reloads it when it changes. A bad file is logged with file:line:column and changes nothing:
 * the last good set keeps serving. Flags and segments missing from the file are deleted only
 * when the file loader wrote them last (`updatedBy: flags-file`); anything edited through the
 * API or CLI since is left alone.
 */
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type FieldError, isSluiceError } from '@sluice/core';
import { parseManifest } from '../../manifests/load.js';
import { normalizeDocuments } from '../../resources/documents.js';
import type { ApplyResult } from '../../resources/resource.schema.js';
import { ResourceService } from '../../resources/resources.service.js';
import { type Executor, inTransaction } from '../../storage/index.js';
import { isFlagdDocument } from '../flagd-file.js';
import { locateFields, resourceKeys } from './locate.js';

export const FLAGS_FILE_ACTOR = 'flags-file';

export type FlagsFileResult =
  | { ok: true; results: ApplyResult['results']; deleted: string[]; warnings: FieldError[] }
  | { ok: false; error: string; fields: FieldError[] };

export interface FlagsFileOptions {
  path: string;
  environment: string;
  db: Executor;
  resources: ResourceService;
  /** After a change committed (rebuild the environment's flag set now). */
  onCommitted?: (environment: string) => void;
  log?: { info(message: string): void; warn?(message: string): void; error(message: string): void };
  debounceMs?: number;
  now?: () => Date;
}

export class FlagsFileLoader {
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(result: FlagsFileResult) => void>();
  private closed = false;
  /** The text last loaded (watchers fire several times per save; the same text loads once). */
  private lastText: string | undefined;
  private lastResult: FlagsFileResult | undefined;

  constructor(private readonly options: FlagsFileOptions) {}

  /** Loads the file once, then watches its directory (editors replace files by renaming). */
  async start(): Promise<FlagsFileResult> {
    const result = await this.reload();
    const file = basename(this.options.path);
    this.watcher = watch(dirname(this.options.path), (_event, name) => {
      if (name === null || name === file) this.schedule();
    });
    return result;
  }

  onResult(listener: (result: FlagsFileResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the file now (reloads run one at a time). */
  reload(): Promise<FlagsFileResult> {
    const next = this.queue.then(() => this.load());
    this.queue = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    if (this.debounce) clearTimeout(this.debounce);
    await this.queue;
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload(), this.options.debounceMs ?? 150);
  }

  private async load(): Promise<FlagsFileResult> {
    const { path, environment, log } = this.options;
    let result: FlagsFileResult;
    try {
      const applied = await this.apply();
      if (applied === 'unchanged' && this.lastResult) return this.lastResult;
      result = applied === 'unchanged' ? { ok: true, results: [], deleted: [], warnings: [] } : applied;
      const changed = result.ok ? result.results.filter((r) => r.action !== 'unchanged').length : 0;
      if (result.ok && (changed || result.deleted.length))
        log?.info(`${path}: ${changed} changed, ${result.deleted.length} deleted in ${environment}`);
      // loaded as flagd loads it: what flagd tolerates is said, once per load, where it is
      for (const w of result.ok ? result.warnings : [])
        (log?.warn ?? log?.info)?.call(log, `${w.path}: ${w.message} (loaded as flagd loads it)`);
    } catch (error) {
      const e = isSluiceError(error) ? error : null;
      if (!e) this.lastText = undefined; // not the file's fault (database): try again next time
      result = { ok: false, error: e?.detail ?? (error as Error).message, fields: e?.fields ?? [] };
    }
    if (!result.ok) {
      const where = result.fields.map((f) => `\n  ${f.path}: ${f.message}`).join('');
      log?.error(`${path} not loaded, the flags loaded before keep serving: ${result.error}${where}`);
    }
    this.lastResult = result;
    for (const listener of this.listeners) listener(result);
    return result;
  }

  private async apply(): Promise<FlagsFileResult | 'unchanged'> {
    const { path, environment, db, resources } = this.options;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      this.lastText = undefined;
      return { ok: false, error: `cannot read ${path}: ${(error as Error).message}`, fields: [] };
    }
    if (text === this.lastText) return 'unchanged';
    this.lastText = text;
    const { documents } = parseManifest(text, path); // syntax errors name file:line:column
    const document = documents[0] as Record<string, unknown> | undefined;
    if (documents.length !== 1 || !document || typeof document !== 'object' || !isFlagdDocument(document))
      return {
        ok: false,
        error: `${path} is not a flagd flags file (one document with "flags": {...})`,
        fields: [],
      };
    let normalized: ReturnType<typeof normalizeDocuments>;
    try {
      normalized = normalizeDocuments(resources.registry, documents, { defaultEnvironment: environment });
    } catch (error) {
      if (!isSluiceError(error)) throw error;
      const fields = locateFields(path, text, document, error.fields);
      return { ok: false, error: `${fields.length} problem(s)`, fields };
    }
    // problems found while writing (a `$ref` to no segment) name the resource's place in the file
    const keys = resourceKeys(document).map((k) => `${k[0] === 'flags' ? 'Flag' : 'Segment'}/${k[1]}`);
    for (const r of normalized) r.source = `documents[0][${keys.indexOf(`${r.kind.kind}/${r.name}`)}]`;
    const actor = { subject: FLAGS_FILE_ACTOR, requestId: null };
    const outcome = await inTransaction(db, async (trx) => {
      const scoped = new ResourceService(trx, resources.registry, this.options.now);
      const applied = await scoped.apply(normalized, actor, false);
      const inFile = new Set(normalized.map((r) => `${r.kind.kind}/${r.name}`));
      const deleted: string[] = [];
      // flags before segments: a flag may use a segment that is going too
      for (const kindName of ['Flag', 'Segment']) {
        const kind = resources.registry.get(kindName);
        for (const r of await listAll(scoped, kind, environment)) {
          if (r.metadata.updatedBy !== FLAGS_FILE_ACTOR || inFile.has(`${kindName}/${r.metadata.name}`))
            continue;
          await scoped.delete(kind, environment, r.metadata.name, r.metadata.version, actor);
          deleted.push(`${kindName}/${r.metadata.name}`);
        }
      }
      const warnings = applied.results.flatMap((r, i) =>
        (r.warnings ?? []).map((w) => {
          const [at, ...message] = w.split(': ');
          return { path: `${normalized[i]?.source}.${at}`, message: message.join(': ') };
        }),
      );
      const results = applied.results.map((r) => ({ ...r, source: path }));
      return { ok: true as const, results, deleted, warnings: locateFields(path, text, document, warnings) };
    }).catch((error: unknown): FlagsFileResult => {
      if (!isSluiceError(error) || !error.fields.length) throw error;
      return { ok: false, error: error.detail, fields: locateFields(path, text, document, error.fields) };
    });
    if (!outcome.ok) return outcome;
    this.options.onCommitted?.(environment);
    return outcome;
  }
}

async function listAll(
  service: ResourceService,
  kind: Parameters<ResourceService['list']>[0],
  environment: string,
) {
  const all = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await service.list(kind, environment, { limit: 1000, cursor });
    all.push(...page);
    if (page.length < 1000) return all;
    cursor = page.at(-1)?.metadata.name;
  }
}
