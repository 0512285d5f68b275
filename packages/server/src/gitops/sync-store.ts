/** Where each GitSource's sync state lives. One implementation over Kysely serves SQLite and PostgreSQL. */

export interface SyncProblem {
  /** `deploy/flags.yaml:12` when the problem is in a file. */
  file: string | null;
  line: number | null;
  reason: string;
}

export interface SyncState {
  source: string;
  /** never | synced | failed */
  status: string;
  /** The commit in force (the last good one). */
  commit: string | null;
  committedAt: string | null;
  /** The newest commit tried; differs from `commit` while it is broken. */
  attemptedCommit: string | null;
  /** Why the newest commit applied nothing. */
  problems: SyncProblem[];
  /** Resources git defines that were changed by hand (`Kind/env/name: changed by …`). */
  drift: string[];
  /** When the source was last looked at. */
  checkedAt: string | null;
}

export interface AppliedVersion {
  kind: string;
  environment: string;
  name: string;
  version: number;
  source: string;
  commit: string;
  committedAt: string;
  appliedAt: string;
}

export interface SyncStore {
  get(source: string): Promise<SyncState | null>;
  /**
   * Takes the source's lease until `until` for `owner`, when no other replica holds it (or its
   * lease ran out): one replica syncs a source at a time. False when another holds it.
   */
  claim(source: string, owner: string, now: string, until: string): Promise<boolean>;
  release(source: string, owner: string): Promise<void>;
  save(state: SyncState): Promise<void>;
  /** Records which commit wrote which resource version; a version keeps its first commit. */
  recordApplied(rows: readonly AppliedVersion[]): Promise<void>;
  appliedVersion(
    kind: string,
    environment: string,
    name: string,
    version: number,
  ): Promise<AppliedVersion | null>;
}
