/**
 * Writes resources: versions, optimistic concurrency, kind checks and an audit entry per change,
 * all in one transaction. Committed changes are announced to listeners (streams, caches).
 */

import {
  AlreadyExists,
  Conflict,
  canonicalJson,
  NotFound,
  SluiceError,
  ValidationFailed,
} from '@sluice/core';
import { createAuditStore } from '../audit/audit-store.kysely.js';
import { assertMayWrite } from '../authority/write-needs.js';
import { storageError } from '../storage/errors.js';
import { type Executor, inTransaction } from '../storage/index.js';
import type { NormalizedResource } from './documents.js';
import type { AnyKind, KindContext, WrittenResource } from './kind.js';
import type { KindRegistry } from './registry.js';
import type { ApplyResult, StoredResource } from './resource.schema.js';
import { createResourceStore } from './resource-store.kysely.js';

export interface Actor {
  subject: string;
  requestId: string | null;
  /**
   * The token's scopes (or a rollout run's starter's): every write is checked with them
   * (`authority/write-needs.ts`) and kinds whose rules depend on them read them (emergency
   * mode). Absent only for the system itself (the flags file, a scheduled change).
   */
  scopes?: readonly string[];
  /** The caller confirmed a change a kind refuses without it (`?confirm=true`). */
  confirm?: boolean;
  /** A rollout's rollback restoring what stood before (see KindContext.restoring). */
  restoring?: boolean;
}

export interface ResourceChange {
  kind: string;
  environment: string | null;
  name: string;
  action: 'created' | 'updated' | 'deleted';
  resource: StoredResource | null;
  /** What a delete removed (a deleted Service's versions are stopped from its spec). */
  before?: StoredResource;
}

export type ChangeListener = (change: ResourceChange) => void;

export interface WriteOutcome {
  resource: StoredResource;
  action: 'created' | 'updated' | 'unchanged';
  /** Problems the write was accepted with (a lenient write; see WriteOptions.strict). */
  warnings?: string[];
}

export interface WriteOptions {
  /** Refuse what a lenient write would only warn about (`?strict=true`, `validate --strict`). */
  strict?: boolean;
  /**
   * More work in the write's own transaction (a rollout records what it wrote and what it
   * replaced), given the stored resource before and after: it commits or fails with the write.
   */
  alongside?: (
    trx: Executor,
    write: { before: StoredResource | null; after: StoredResource },
  ) => Promise<void>;
}

/** Marks a dry run's transaction for rollback once its results are known. */
class DryRunRollback extends Error {
  constructor(readonly result: ApplyResult) {
    super('dry run');
  }
}

export class ResourceService {
  private readonly listeners = new Set<ChangeListener>();

  constructor(
    private readonly db: Executor,
    readonly registry: KindRegistry,
    private readonly now: () => Date = () => new Date(),
    /** Where warnings of accepted writes are logged (one line each). */
    private readonly warn: (message: string) => void = () => {},
  ) {}

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async get(kind: AnyKind, environment: string | null, name: string): Promise<StoredResource> {
    const found = await createResourceStore(this.db).get(kind.kind, scoped(kind, environment), name);
    if (!found)
      throw NotFound(
        `${kind.kind} "${name}"${environment && kind.environmentScoped ? ` in ${environment}` : ''} does not exist`,
      );
    return found;
  }

  /** Resources with what their kind says about them (`status`), for the read routes. */
  async withStatus(kind: AnyKind, environment: string | null, items: StoredResource[]) {
    if (!kind.status || items.length === 0) return items;
    const statuses = await kind.status(
      { trx: this.db },
      scoped(kind, environment),
      items.map((r) => r.metadata.name),
    );
    return items.map((r) => {
      const status = statuses.get(r.metadata.name);
      return status ? { ...r, status } : r;
    });
  }

  async find(kind: AnyKind, environment: string | null, name: string): Promise<StoredResource | null> {
    return createResourceStore(this.db).get(kind.kind, scoped(kind, environment), name);
  }

  async list(
    kind: AnyKind,
    environment: string | null,
    page: { limit: number; cursor?: string | undefined },
  ) {
    return createResourceStore(this.db).list(kind.kind, kind.environmentScoped ? environment : null, page);
  }

  /** Creates or replaces one resource. */
  async put(resource: NormalizedResource, actor: Actor, options: WriteOptions = {}): Promise<WriteOutcome> {
    const pending: ResourceChange[] = [];
    const outcome = await inTransaction(this.db, async (trx) => {
      const { before, ...written } = await this.write(trx, resource, actor, pending);
      await options.alongside?.(trx, { before, after: written.resource });
      if (written.action === 'unchanged') return written;
      const warnings = (await this.checkSets(trx, [resource], actor, options)).get(keyOf(resource));
      return warnings ? { ...written, warnings } : written;
    });
    this.announce(pending);
    this.logWarnings([{ ...resource, warnings: outcome.warnings }]);
    return outcome;
  }

  /** Applies a validated set of resources all-or-nothing; a dry run reports and rolls back. */
  async apply(
    resources: NormalizedResource[],
    actor: Actor,
    dryRun: boolean,
    options: WriteOptions = {},
  ): Promise<ApplyResult> {
    const pending: ResourceChange[] = [];
    try {
      const result = await inTransaction(this.db, async (trx) => {
        const results: ApplyResult['results'] = [];
        for (const r of resources) {
          const { resource, action } = await this.write(trx, r, actor, pending);
          const warnings =
            (await r.kind.warn?.(this.context(trx, actor), {
              name: r.name,
              environment: r.environment,
              spec: r.spec,
            })) ?? [];
          results.push({
            ...(warnings.length ? { warnings } : {}),
            kind: r.kind.kind,
            name: r.name,
            ...(r.environment ? { environment: r.environment } : {}),
            action,
            version: resource.metadata.version,
            source: r.source,
          });
        }
        // strict checks every resource given, unchanged ones too (CI asks whether the files pass)
        const setWarnings = await this.checkSets(
          trx,
          options.strict ? resources : resources.filter((_, i) => results[i]?.action !== 'unchanged'),
          actor,
          options,
        );
        resources.forEach((r, i) => {
          const more = setWarnings.get(keyOf(r));
          const entry = results[i];
          if (more && entry) entry.warnings = [...(entry.warnings ?? []), ...more];
        });
        if (dryRun) throw new DryRunRollback({ dryRun: true, results });
        return { dryRun: false, results };
      });
      this.announce(pending);
      this.logWarnings(result.results);
      return result;
    } catch (error) {
      if (error instanceof DryRunRollback) return error.result;
      throw error;
    }
  }

  async delete(
    kind: AnyKind,
    environment: string | null,
    name: string,
    expectedVersion: number | undefined,
    actor: Actor,
  ) {
    const pending: ResourceChange[] = [];
    const deleted = await inTransaction(this.db, async (trx) => {
      const store = createResourceStore(trx);
      const env = scoped(kind, environment);
      const existing = await store.get(kind.kind, env, name);
      if (!existing) throw NotFound(`${kind.kind} "${name}" does not exist`);
      if (expectedVersion !== undefined && existing.metadata.version !== expectedVersion) {
        throw stale(kind, name, expectedVersion, existing.metadata.version);
      }
      if (actor.scopes !== undefined)
        assertMayWrite(
          actor.scopes,
          kind,
          { name, environment: env, spec: existing.spec },
          {
            before: existing.spec,
          },
        );
      const ctx = this.context(trx, actor);
      await kind.beforeDelete?.(ctx, existing);
      if (!(await store.delete(kind.kind, env, name, existing.metadata.version))) {
        throw stale(kind, name, existing.metadata.version, -1);
      }
      await createAuditStore(trx).append({
        at: ctx.now.toISOString(),
        actor: actor.subject,
        action: 'delete',
        kind: kind.kind,
        ...(env ? { environment: env } : {}),
        name,
        before: existing,
        after: null,
        requestId: actor.requestId,
      });
      await kind.afterChange?.(ctx, { before: existing, after: null });
      pending.push({
        kind: kind.kind,
        environment: env,
        name,
        action: 'deleted',
        resource: null,
        before: existing,
      });
      return existing;
    });
    this.announce(pending);
    return deleted;
  }

  /**
   * Runs each touched kind's whole-set check once per environment, after all the writes; a
   * problem fails the transaction and is reported at the document it is in. Warnings (problems
   * a lenient write tolerates) come back by resource, as `spec.path: message`.
   */
  private async checkSets(
    trx: Executor,
    written: NormalizedResource[],
    actor: Actor,
    options: WriteOptions,
  ): Promise<Map<string, string[]>> {
    type Run = {
      check: NonNullable<AnyKind['checkSet']>;
      environment: string | null;
      written: WrittenResource[];
    };
    const runs = new Map<string, Run>();
    const sources = new Map<string, string>();
    const checkIds = new Map<AnyKind['checkSet'], number>();
    const touched = new Map<string, WrittenResource[]>();
    for (const r of written) {
      sources.set(keyOf(r), r.source);
      const env = r.environment ?? '';
      const list = touched.get(env) ?? [];
      list.push({ kind: r.kind.kind, name: r.name, lenient: Boolean(r.lenient) && !options.strict });
      touched.set(env, list);
      const check = r.kind.checkSet;
      if (!check) continue;
      if (!checkIds.has(check)) checkIds.set(check, checkIds.size);
      runs.set(`${checkIds.get(check)}/${env}`, { check, environment: r.environment, written: list });
    }
    const fields: { path: string; message: string }[] = [];
    const warnings = new Map<string, string[]>();
    for (const { check, environment, written: list } of runs.values()) {
      for (const p of await check(this.context(trx, actor), environment, list)) {
        const key = `${p.kind}/${environment ?? ''}/${p.name}`;
        const source = p.name === null ? undefined : sources.get(key);
        if (p.warning && !options.strict && p.name !== null) {
          warnings.set(key, [
            ...(warnings.get(key) ?? []),
            `spec${p.path ? `.${p.path}` : ''}: ${p.message}`,
          ]);
          continue;
        }
        const where = source
          ? `${source}.spec${p.path ? `.${p.path}` : ''}`
          : `${p.kind}${p.name ? ` "${p.name}"` : ''}${p.path ? ` ${p.path}` : ''}`;
        fields.push({ path: where, message: p.message });
      }
    }
    if (fields.length) {
      throw ValidationFailed(fields.map((f) => `${f.path}: ${f.message}`).join('; '), { fields });
    }
    return warnings;
  }

  private logWarnings(
    results: {
      kind: string | AnyKind;
      name: string;
      environment?: string | null | undefined;
      warnings?: string[] | undefined;
    }[],
  ): void {
    for (const r of results) {
      const kind = typeof r.kind === 'string' ? r.kind : r.kind.kind;
      for (const w of r.warnings ?? [])
        this.warn(
          `${kind}/${r.name}${r.environment ? ` in ${r.environment}` : ''} accepted with a warning: ${w}`,
        );
    }
  }

  private context(trx: Executor, actor: Actor): KindContext {
    return {
      trx,
      actor: actor.subject,
      scopes: actor.scopes ?? [],
      requestId: actor.requestId,
      now: this.now(),
      confirm: actor.confirm ?? false,
      restoring: actor.restoring ?? false,
    };
  }

  private async write(
    trx: Executor,
    r: NormalizedResource,
    actor: Actor,
    pending: ResourceChange[],
  ): Promise<WriteOutcome & { before: StoredResource | null }> {
    const store = createResourceStore(trx);
    const ctx = this.context(trx, actor);
    if (r.environment !== null && !(await store.get('Environment', null, r.environment))) {
      throw ValidationFailed(`environment "${r.environment}" does not exist`, {
        fields: [
          {
            path: `${r.source}.metadata.environment`,
            message: `environment "${r.environment}" does not exist`,
          },
        ],
      });
    }
    const existing = await store.get(r.kind.kind, r.environment, r.name);
    if (r.expectedVersion !== undefined && (existing?.metadata.version ?? 0) !== r.expectedVersion) {
      throw stale(r.kind, r.name, r.expectedVersion, existing?.metadata.version ?? 0);
    }
    if (actor.scopes !== undefined)
      assertMayWrite(actor.scopes, r.kind, r, { before: existing?.spec ?? null, source: r.source });
    if (existing && canonicalJson(existing.spec) === canonicalJson(r.spec))
      return { resource: existing, action: 'unchanged', before: existing };
    const problems =
      (await r.kind
        .check?.(ctx, { name: r.name, environment: r.environment, spec: r.spec })
        .catch((error: unknown) => {
          throw atSource(error, r.source);
        })) ?? [];
    if (problems.length) {
      throw ValidationFailed(problems.map((p) => p.message).join('; '), {
        fields: problems.map((p) => ({ path: `${r.source}.${p.path}`, message: p.message })),
      });
    }
    const at = ctx.now.toISOString();
    const resource: StoredResource = {
      kind: r.kind.kind,
      metadata: {
        name: r.name,
        ...(r.environment ? { environment: r.environment } : {}),
        version: (existing?.metadata.version ?? 0) + 1,
        createdAt: existing?.metadata.createdAt ?? at,
        createdBy: existing?.metadata.createdBy ?? actor.subject,
        updatedAt: at,
        updatedBy: actor.subject,
      },
      spec: r.spec,
    };
    if (existing) {
      if (!(await store.update(resource, existing.metadata.version)))
        throw stale(r.kind, r.name, existing.metadata.version, -1);
    } else {
      await store.insert(resource).catch((error: unknown) => {
        // a full disk or a lost database is not someone else's insert: say what it is
        const storage = storageError(error);
        if (storage) throw storage;
        throw AlreadyExists(
          `${r.kind.kind} "${r.name}" was created by someone else at the same moment; read it and retry`,
          { cause: error },
        );
      });
    }
    await createAuditStore(trx).append({
      at,
      actor: actor.subject,
      action: existing ? 'update' : 'create',
      kind: r.kind.kind,
      ...(r.environment ? { environment: r.environment } : {}),
      name: r.name,
      before: existing,
      after: resource,
      requestId: actor.requestId,
    });
    await r.kind.afterChange?.(ctx, { before: existing, after: resource });
    pending.push({
      kind: r.kind.kind,
      environment: r.environment,
      name: r.name,
      action: existing ? 'updated' : 'created',
      resource,
    });
    return { resource, action: existing ? 'updated' : 'created', before: existing };
  }

  private announce(changes: ResourceChange[]): void {
    for (const change of changes) for (const listener of this.listeners) listener(change);
  }
}

function keyOf(r: NormalizedResource): string {
  return `${r.kind.kind}/${r.environment ?? ''}/${r.name}`;
}

function scoped(kind: AnyKind, environment: string | null): string | null {
  return kind.environmentScoped ? environment : null;
}

function stale(kind: AnyKind, name: string, expected: number, current: number) {
  const now =
    current < 0 ? 'changed meanwhile' : current === 0 ? 'does not exist' : `is at version ${current}`;
  return Conflict(
    `${kind.kind} "${name}" ${now}; this write expected version ${expected}. Read it again and retry.`,
    {
      extensions: { expectedVersion: expected, currentVersion: current < 0 ? null : current },
    },
  );
}

/** A kind's check that refused with its own code names fields under the spec: put the document's source in front. */
function atSource(error: unknown, source: string): unknown {
  if (!(error instanceof SluiceError) || !error.fields.length) return error;
  const fields = error.fields.map((f) => ({ ...f, path: `${source}.${f.path}` }));
  return new SluiceError(error, error.detail, { fields, extensions: error.extensions, cause: error.cause });
}
