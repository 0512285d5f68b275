/**
 * Syncs GitSources: looks at each one every `interval` (and on demand), and applies a new
 * commit's manifests as one transaction through the same apply as `sluice apply`. A broken
 * commit applies nothing and is reported with file, line and reason; the last good commit stays
 * in force. Drift (a resource git defines, changed by hand) is reported and, when the source
 * says so, reverted. A lease in the database lets one replica sync a source at a time.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { NormalizedResource } from '../resources/documents.js';
import { normalizeDocuments } from '../resources/documents.js';
import type { KindRegistry } from '../resources/registry.js';
import type { ResourceService } from '../resources/resources.service.js';
import type { SecretResolver } from '../secrets/index.js';
import type { Executor } from '../storage/index.js';
import { CommitBroken, commitDocuments, problemAt } from './commit-documents.js';
import { httpGitReader } from './git-reader.http.js';
import type { GitReader } from './git-reader.js';
import { localGitReader } from './git-reader.local.js';
import { type GitSourceSpec, gitSourceKind, intervalMs } from './git-source.kind.js';
import type { SyncState } from './sync-store.js';
import { createSyncStore } from './sync-store.kysely.js';

/** Starts runs of a Rollout version unless one exists (the rollouts slice's service). */
export interface RolloutStarter {
  /** `system`: the run carries the system's authority (the source's admin), not a token's. */
  start(
    environment: string,
    name: string,
    starter: { subject: string; scopes: readonly string[]; system?: boolean },
  ): Promise<unknown>;
  list(filter: {
    environment?: string;
    rollout?: string;
    limit: number;
  }): Promise<{ rolloutVersion: number }[]>;
}

export interface SyncerOptions {
  db: Executor;
  resources: ResourceService;
  registry: KindRegistry;
  rollouts: RolloutStarter;
  secrets: Pick<SecretResolver, 'resolve'>;
  dataDir: string;
  now: () => Date;
  log?: (message: string, error: unknown) => void;
  /** How often sources are looked at to see whether one is due. */
  tickMs?: number;
}

const LEASE_MS = 5 * 60_000;

export class GitSyncer {
  /** This replica, in the lease. */
  private readonly owner = `replica-${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** Syncs under way in this process, by source: the poller and the route take turns. */
  private readonly inProcess = new Map<string, Promise<unknown>>();

  constructor(private readonly options: SyncerOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.pollDue()
        .catch((error: unknown) => this.options.log?.('polling git sources failed', error))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule();
        });
    }, this.options.tickMs ?? 1000);
    this.timer.unref?.();
  }

  /** Syncs every source whose interval has passed since it was last looked at (by any replica). */
  async pollDue(): Promise<void> {
    const sources = await this.options.resources.list(gitSourceKind, null, { limit: 1000 });
    const store = createSyncStore(this.options.db);
    for (const source of sources) {
      if (this.stopped) return;
      const spec = source.spec as GitSourceSpec;
      const state = await store.get(source.metadata.name);
      const last = state?.checkedAt ? Date.parse(state.checkedAt) : 0;
      if (this.options.now().getTime() - last < (intervalMs(spec.interval) ?? 60_000)) continue;
      await this.sync(source.metadata.name).catch((error: unknown) =>
        this.options.log?.(`syncing git source ${source.metadata.name} failed`, error),
      );
    }
  }

  /** Syncs one source now (after one under way here); null when another replica is syncing it. */
  sync(name: string): Promise<SyncState | null> {
    const previous = this.inProcess.get(name) ?? Promise.resolve();
    const next = previous.then(
      () => this.syncOnce(name),
      () => this.syncOnce(name),
    );
    const settled = next.catch(() => undefined);
    this.inProcess.set(name, settled);
    void settled.then(() => {
      if (this.inProcess.get(name) === settled) this.inProcess.delete(name);
    });
    return next;
  }

  private async syncOnce(name: string): Promise<SyncState | null> {
    const resource = await this.options.resources.get(gitSourceKind, null, name);
    const spec = resource.spec as GitSourceSpec;
    const store = createSyncStore(this.options.db);
    const now = this.options.now();
    const claimed = await store.claim(
      name,
      this.owner,
      now.toISOString(),
      new Date(now.getTime() + LEASE_MS).toISOString(),
    );
    if (!claimed) return null;
    try {
      const before = (await store.get(name)) as SyncState;
      const state = await this.syncClaimed(name, spec, before);
      await store.save(state);
      return state;
    } finally {
      await store.release(name, this.owner);
    }
  }

  private reader(name: string, spec: GitSourceSpec): GitReader {
    if (!/^https?:\/\//.test(spec.url)) return localGitReader(spec.url, spec.branch);
    const password = spec.password;
    return httpGitReader({
      url: spec.url,
      branch: spec.branch,
      cacheDir: join(this.options.dataDir, 'gitops', name),
      auth: password
        ? () => ({ username: spec.username ?? 'git', password: this.options.secrets.resolve(password) })
        : undefined,
    });
  }

  private async syncClaimed(name: string, spec: GitSourceSpec, before: SyncState): Promise<SyncState> {
    const checkedAt = this.options.now().toISOString();
    const reader = this.reader(name, spec);
    let head: Awaited<ReturnType<GitReader['head']>>;
    try {
      head = await reader.head();
    } catch (error) {
      return {
        ...before,
        status: 'failed',
        checkedAt,
        problems: [
          { file: null, line: null, reason: `cannot read the repository: ${(error as Error).message}` },
        ],
      };
    }
    // a broken commit stays reported, and is not tried again, until a new one comes
    if (head.commit === before.attemptedCommit && before.status === 'failed' && head.commit !== before.commit)
      return { ...before, checkedAt };
    let resources: NormalizedResource[];
    try {
      resources = this.resourcesOf(spec, await reader.files(head.commit, spec.path));
    } catch (error) {
      const problems =
        error instanceof CommitBroken
          ? error.problems
          : [{ file: null, line: null, reason: (error as Error).message }];
      return { ...before, status: 'failed', attemptedCommit: head.commit, problems, checkedAt };
    }
    const actor = {
      subject: `gitops:${name}@${head.commit.slice(0, 12)}`,
      requestId: null,
      // the authority of the admin who created the source (authority/write-needs.ts checks every
      // write with it); resourcesOf has already kept the commit inside spec.environments
      scopes: ['admin'],
    };
    if (head.commit === before.commit) {
      const drift = await this.drift(name, resources);
      if (drift.length && spec.drift === 'revert') {
        await this.options.resources.apply(resources, actor, false);
        return { ...before, status: 'synced', checkedAt, drift: drift.map((d) => `${d} (reverted)`) };
      }
      return { ...before, status: 'synced', checkedAt, drift };
    }
    let applied: Awaited<ReturnType<ResourceService['apply']>>;
    try {
      applied = await this.options.resources.apply(resources, actor, false);
    } catch (error) {
      const fields = (error as { fields?: { path: string; message: string }[] }).fields;
      const problems = fields?.length
        ? fields.map((f) => problemAt(f.path.replace(/\.spec.*$|\.(kind|metadata).*$/, ''), f.message))
        : [{ file: null, line: null, reason: (error as Error).message }];
      return { ...before, status: 'failed', attemptedCommit: head.commit, problems, checkedAt };
    }
    const appliedAt = this.options.now().toISOString();
    await createSyncStore(this.options.db).recordApplied(
      applied.results.map((r) => ({
        kind: r.kind,
        environment: r.environment ?? '',
        name: r.name,
        version: r.version,
        source: name,
        commit: head.commit,
        committedAt: head.committedAt,
        appliedAt,
      })),
    );
    // runs started from git act in the source's environments only (a stage's config.environment
    // naming another is refused at start), whatever the admin who configured it may do elsewhere
    if (spec.startRollouts)
      await this.startRollouts(
        applied.results,
        actor.subject,
        spec.environments.map((e) => `write:${e}`),
      );
    return {
      source: name,
      status: 'synced',
      commit: head.commit,
      committedAt: head.committedAt,
      attemptedCommit: head.commit,
      problems: [],
      drift: [],
      checkedAt,
    };
  }

  /** Validated resources of a commit, each inside what the source may write. */
  private resourcesOf(
    spec: GitSourceSpec,
    files: Parameters<typeof commitDocuments>[0],
  ): NormalizedResource[] {
    const { documents, sources } = commitDocuments(files);
    if (!documents.length) return [];
    let resources: NormalizedResource[];
    try {
      resources = normalizeDocuments(this.options.registry, documents, {
        defaultEnvironment: spec.environments[0] as string,
        sources,
      });
    } catch (error) {
      const fields = (error as { fields?: { path: string; message: string }[] }).fields ?? [];
      throw new CommitBroken(
        fields.length
          ? fields.map((f) => problemAt(sourceOf(f.path, sources), f.message))
          : [{ file: null, line: null, reason: (error as Error).message }],
      );
    }
    const problems = resources.flatMap((r) => {
      const outside = (why: string) => [problemAt(r.source, `${r.kind.kind} "${r.name}": ${why}`)];
      if (r.kind.writeScope === 'admin') return outside('a git source cannot write admin-only kinds');
      if (r.environment !== null && !spec.environments.includes(r.environment))
        return outside(
          `environment "${r.environment}" is not one this source may write (${spec.environments.join(', ')})`,
        );
      if (r.environment === null && !(r.kind.kind === 'Environment' && spec.environments.includes(r.name)))
        return outside('only environments this source names may be written outside an environment');
      return [];
    });
    if (problems.length) throw new CommitBroken(problems);
    return resources;
  }

  /** Resources git defines whose stored version was last written by someone else. */
  private async drift(name: string, resources: readonly NormalizedResource[]): Promise<string[]> {
    const out: string[] = [];
    for (const r of resources) {
      const stored = await this.options.resources.find(r.kind, r.environment, r.name);
      const id = `${r.kind.kind}/${r.environment ? `${r.environment}/` : ''}${r.name}`;
      if (!stored) out.push(`${id}: deleted by hand`);
      else if (!stored.metadata.updatedBy.startsWith(`gitops:${name}@`))
        out.push(`${id}: changed by ${stored.metadata.updatedBy}`);
    }
    return out;
  }

  private async startRollouts(
    results: readonly {
      kind: string;
      name: string;
      environment?: string | undefined;
      version: number;
      action: string;
    }[],
    subject: string,
    scopes: string[],
  ): Promise<void> {
    for (const r of results) {
      if (r.kind !== 'Rollout' || !r.environment) continue;
      // started already (a sync cut short after the start, then tried again): not twice
      const runs = await this.options.rollouts.list({
        environment: r.environment,
        rollout: r.name,
        limit: 100,
      });
      if (runs.some((run) => run.rolloutVersion === r.version)) continue;
      await this.options.rollouts
        .start(r.environment, r.name, { subject, scopes, system: true })
        .catch((error: unknown) => this.options.log?.(`starting rollout ${r.name} from git failed`, error));
    }
  }
}

/** `documents[3].spec.x` → the source name of document 3. */
function sourceOf(path: string, sources: readonly string[]): string {
  const m = /^documents\[(\d+)\]/.exec(path);
  if (m) return sources[Number(m[1])] ?? path;
  return path.replace(/\.(spec|kind|metadata)\b.*$/, '');
}
