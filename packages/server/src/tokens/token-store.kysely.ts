import type { Executor } from '../storage/index.js';
import type { TokenTable } from '../storage/schema.js';
import type { TokenRecord, TokenStore } from './token-store.js';

export function createTokenStore(db: Executor): TokenStore {
  return {
    async insert(t) {
      await db
        .insertInto('sluice_token')
        .values({
          id: t.id,
          hash: t.hash,
          subject: t.subject,
          scopes: JSON.stringify(t.scopes),
          roles: JSON.stringify(t.roles),
          description: t.description,
          created_at: t.createdAt,
          created_by: t.createdBy,
          expires_at: t.expiresAt,
          revoked_at: t.revokedAt,
        })
        .execute();
    },
    async findByHash(hash) {
      const row = await db.selectFrom('sluice_token').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row ? fromRow(row) : null;
    },
    async findById(id) {
      const row = await db.selectFrom('sluice_token').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : null;
    },
    async list() {
      return (
        await db.selectFrom('sluice_token').selectAll().orderBy('created_at').orderBy('id').execute()
      ).map(fromRow);
    },
    async revoke(id, at) {
      const r = await db
        .updateTable('sluice_token')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async count() {
      const row = await db
        .selectFrom('sluice_token')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

function fromRow(r: TokenTable): TokenRecord {
  return {
    id: r.id,
    hash: r.hash,
    subject: r.subject,
    scopes: JSON.parse(r.scopes),
    roles: JSON.parse(r.roles),
    description: r.description,
    createdAt: r.created_at,
    createdBy: r.created_by,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}
