import { type Kysely, sql } from 'kysely';

/**
 * The authority a rollout run acts with (issue 13, H3): `{kind, scopes}` as JSON, stored with
 * the run when it starts, so every write a stage makes later — after a restart too — is checked
 * with the starter's scopes (rollouts/run-authority.ts). Runs stored before this step get
 * `write:<their environment>` (kind `legacy`): their starter's scopes were never recorded, and
 * the run's own environment is the one scope its start route proved.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sluice_rollout_run').addColumn('authority', 'text').execute();
  // environment names are [a-z0-9-]: nothing to escape inside the JSON string
  await sql`update sluice_rollout_run
    set authority = '{"kind":"legacy","scopes":["write:' || environment || '"]}'
    where authority is null`.execute(db);
}
