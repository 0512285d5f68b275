import type { StoredResource } from './resource.schema.js';

/** Where resources live. One implementation over Kysely serves SQLite and PostgreSQL. */
export interface ResourceStore {
  /** The resource, or null. `environment` is null for kinds without one. */
  get(kind: string, environment: string | null, name: string): Promise<StoredResource | null>;
  /** Resources of a kind ordered by name, after `cursor` (a name), at most `limit`. */
  list(
    kind: string,
    environment: string | null,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<StoredResource[]>;
  /** Counts resources of any kind in an environment (to refuse deleting one in use). */
  countInEnvironment(environment: string): Promise<number>;
  /** The first `limit` resources of an environment, by kind then name: what keeps it in use. */
  sampleInEnvironment(environment: string, limit: number): Promise<{ kind: string; name: string }[]>;
  /** Inserts version 1. Fails if the row exists. */
  insert(resource: StoredResource): Promise<void>;
  /** Replaces the row if its version is still `expectedVersion`; false when it moved on. */
  update(resource: StoredResource, expectedVersion: number): Promise<boolean>;
  /** Deletes the row if its version is still `expectedVersion`; false when it moved on. */
  delete(kind: string, environment: string | null, name: string, expectedVersion: number): Promise<boolean>;
}
