import type { Executor } from '../storage/index.js';
import type { ResourceTable } from '../storage/schema.js';
import type { StoredResource } from './resource.schema.js';
import type { ResourceStore } from './resource-store.js';

export function createResourceStore(db: Executor): ResourceStore {
  return {
    async get(kind, environment, name) {
      const row = await db
        .selectFrom('sluice_resource')
        .selectAll()
        .where('kind', '=', kind)
        .where('environment', '=', environment ?? '')
        .where('name', '=', name)
        .executeTakeFirst();
      return row ? fromRow(row) : null;
    },
    async list(kind, environment, page) {
      let q = db.selectFrom('sluice_resource').selectAll().where('kind', '=', kind);
      if (environment !== null) q = q.where('environment', '=', environment);
      if (page.cursor !== undefined) q = q.where('name', '>', page.cursor);
      const rows = await q.orderBy('name').orderBy('environment').limit(page.limit).execute();
      return rows.map(fromRow);
    },
    async countInEnvironment(environment) {
      const row = await db
        .selectFrom('sluice_resource')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('environment', '=', environment)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async sampleInEnvironment(environment, limit) {
      return db
        .selectFrom('sluice_resource')
        .select(['kind', 'name'])
        .where('environment', '=', environment)
        .orderBy('kind')
        .orderBy('name')
        .limit(limit)
        .execute();
    },
    async insert(resource) {
      await db.insertInto('sluice_resource').values(toRow(resource)).execute();
    },
    async update(resource, expectedVersion) {
      const row = toRow(resource);
      const result = await db
        .updateTable('sluice_resource')
        .set({ spec: row.spec, version: row.version, updated_at: row.updated_at, updated_by: row.updated_by })
        .where('kind', '=', row.kind)
        .where('environment', '=', row.environment)
        .where('name', '=', row.name)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async delete(kind, environment, name, expectedVersion) {
      const result = await db
        .deleteFrom('sluice_resource')
        .where('kind', '=', kind)
        .where('environment', '=', environment ?? '')
        .where('name', '=', name)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}

function fromRow(row: ResourceTable): StoredResource {
  return {
    kind: row.kind,
    metadata: {
      name: row.name,
      ...(row.environment ? { environment: row.environment } : {}),
      version: row.version,
      createdAt: row.created_at,
      createdBy: row.created_by,
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    },
    spec: JSON.parse(row.spec),
  };
}

function toRow(r: StoredResource): ResourceTable {
  return {
    kind: r.kind,
    environment: r.metadata.environment ?? '',
    name: r.metadata.name,
    spec: JSON.stringify(r.spec),
    version: r.metadata.version,
    created_at: r.metadata.createdAt,
    created_by: r.metadata.createdBy,
    updated_at: r.metadata.updatedAt,
    updated_by: r.metadata.updatedBy,
  };
}
