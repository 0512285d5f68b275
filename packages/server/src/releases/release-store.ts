/** Where release records live. One implementation over Kysely serves SQLite and PostgreSQL. */

export interface ReleaseRecord {
  runId: string;
  rollout: string;
  environment: string;
  rolloutVersion: number;
  /** The plan's name and version. */
  plan: string;
  version: string;
  services: string[];
  /** The run's status: running … succeeded, failed, rolled_back, aborted. */
  status: string;
  startedBy: string;
  approvedBy: string[];
  startedAt: string;
  /** When every stage first stood at 100 % (or completed). */
  fullAt: string | null;
  endedAt: string | null;
  rollbackReason: string | null;
}

export interface ReleaseQuery {
  environment?: string | undefined;
  service?: string | undefined;
  /** Releases started at or after this ISO time. */
  since?: string | undefined;
  limit: number;
}

export interface ReleaseStore {
  get(runId: string): Promise<ReleaseRecord | null>;
  /** Inserts or replaces the record of a run. */
  put(record: ReleaseRecord): Promise<void>;
  /** Newest first. */
  list(query: ReleaseQuery): Promise<ReleaseRecord[]>;
}
