/** The counters against a real SQLite database: a failed flush loses nothing. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrate, openDatabase } from '../../storage/index.js';
import { up as createEvaluationTable } from '../../storage/migrations/004-flag-evaluations.js';
import { EvaluationInsight } from './evaluation-insight.js';

describe('EvaluationInsight', () => {
  let dir: string;
  let handle: DatabaseHandle;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-insight-'));
    handle = openDatabase({ dataDir: dir });
    await migrate(handle);
  });
  afterAll(async () => {
    await handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the counts of a failed flush and writes them with the next one', async () => {
    const errors: string[] = [];
    const insight = new EvaluationInsight({
      db: handle.db,
      now: () => new Date('2026-02-01T08:00:00Z'),
      log: (m) => errors.push(m),
    });
    const registry = new Registry();
    insight.registerMetrics(registry);
    insight.recordEvaluation('dev', 'f', 'on');
    insight.recordEvaluation('dev', 'f', 'on');
    await sql`drop table sluice_flag_evaluation`.execute(handle.db);
    await insight.flush();
    expect(errors).toHaveLength(1);
    insight.recordEvaluation('dev', 'f', 'on');
    insight.recordEvaluation('dev', 'f', 'off');
    await createEvaluationTable(handle.db as never);
    await insight.stop();
    const rows = await handle.db
      .selectFrom('sluice_flag_evaluation')
      .select(['variant', 'count'])
      .orderBy('variant')
      .execute();
    expect(rows.map((r) => [r.variant, Number(r.count)])).toEqual([
      ['off', 1],
      ['on', 3],
    ]);
    // the Prometheus counter counted each evaluation once, whatever happened to the flushes
    expect((await registry.getSingleMetric('sluice_flag_evaluations_total')?.get())?.values).toEqual([
      { labels: { environment: 'dev', flag: 'f', variant: 'on' }, value: 3 },
      { labels: { environment: 'dev', flag: 'f', variant: 'off' }, value: 1 },
    ]);
  });
});
