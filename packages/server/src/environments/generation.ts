/**
 * A counter per environment that moves, in the same transaction, with every change that can
 * alter a flag evaluation there (flags, segments, kill switches, emergency). Caches on every
 * replica compare it to know when to rebuild, with one cheap read.
 */
import type { Executor } from '../storage/index.js';

export async function bumpGeneration(trx: Executor, environment: string): Promise<void> {
  await trx
    .insertInto('sluice_flag_generation')
    .values({ environment, generation: 1 })
    .onConflict((oc) =>
      oc
        .column('environment')
        .doUpdateSet((eb) => ({ generation: eb('sluice_flag_generation.generation', '+', 1) })),
    )
    .execute();
}

export async function readGenerations(db: Executor): Promise<Map<string, number>> {
  const rows = await db.selectFrom('sluice_flag_generation').selectAll().execute();
  return new Map(rows.map((r) => [r.environment, Number(r.generation)]));
}
