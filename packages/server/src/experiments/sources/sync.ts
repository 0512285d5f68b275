/**
 * Reads an experiment's MetricSource from where it stopped (its watermark) up to now − lag, and
 * counts the rows like metric events (the row's `metric` is the event name, `value` its value):
 * each page and its new watermark commit together, so a crash re-reads at most one page, never
 * counts one twice. Rows that reach the warehouse later than `lag` behind their timestamp are
 * missed; set the lag to the warehouse's delay.
 */
import { NotFound, ValidationFailed } from '@sluice/core';
import type { ExperimentSpec } from '@sluice/core/experiments';
import { createResourceStore } from '../../resources/resource-store.kysely.js';
import type { SecretResolver } from '../../secrets/secrets.js';
import { type Executor, inTransaction } from '../../storage/index.js';
import { createExperimentStore } from '../experiment-store.kysely.js';
import type { ExperimentEntry, ExperimentIngest } from '../ingest.js';
import type { MetricSource } from './metric-source.js';
import type { MetricSourceSpec } from './metric-source.kind.js';
import { postgresSource } from './postgres.source.js';

const PAGE = 10_000;

export type OpenSource = (spec: MetricSourceSpec, url: string) => MetricSource;

export const openSource: OpenSource = (spec, url) => postgresSource({ url, query: spec.query });

export class SourceSync {
  constructor(
    private readonly db: Executor,
    private readonly ingest: ExperimentIngest,
    private readonly secrets: SecretResolver,
    private readonly now: () => Date,
    private readonly open: OpenSource = openSource,
  ) {}

  /** Counts the rows the experiment's source has gained; `rows` is how many. */
  async sync(
    environment: string,
    key: string,
    spec: ExperimentSpec,
  ): Promise<{ rows: number; through: string | null }> {
    const name = spec.metrics.source;
    if (name === undefined) return { rows: 0, through: null };
    const stored = await createResourceStore(this.db).get('MetricSource', null, name);
    if (!stored) throw NotFound(`experiment "${key}" reads MetricSource "${name}", which does not exist`);
    const sourceSpec = stored.spec as MetricSourceSpec;
    const run = await createExperimentStore(this.db).run(environment, key);
    if (!run?.startedAt) return { rows: 0, through: null };
    const mark = await this.db
      .selectFrom('sluice_experiment_source')
      .select('watermark')
      .where('environment', '=', environment)
      .where('experiment', '=', key)
      .executeTakeFirst();
    let from = new Date(mark?.watermark ?? run.startedAt);
    const end = run.stoppedAt ?? run.concludedAt;
    const to = new Date(
      Math.min(this.now().getTime() - sourceSpec.lag_seconds * 1000, end ? Date.parse(end) : Infinity),
    );
    if (to <= from) return { rows: 0, through: from.toISOString() };
    const source = this.open(sourceSpec, this.secrets.resolve(sourceSpec.url));
    let total = 0;
    try {
      for (;;) {
        const page = await source.rows(from, to, PAGE);
        const full = page.length === PAGE;
        const lastAt = page.at(-1)?.timestamp;
        // a full page may end inside a run of equal timestamps: leave those for the next page
        const take =
          full && lastAt !== page[0]?.timestamp ? page.filter((r) => r.timestamp < (lastAt as string)) : page;
        const through = full ? (take.at(-1)?.timestamp ?? (lastAt as string)) : to.toISOString();
        const entries: ExperimentEntry[] = take.map((r) => {
          if (r.metric === 'exposure')
            throw ValidationFailed(
              `MetricSource "${name}" returned a row named "exposure": exposures come from flag evaluations and events`,
            );
          return { experiment: key, user: r.user, name: r.metric, value: r.value, time: r.timestamp };
        });
        await inTransaction(this.db, async (trx) => {
          await this.ingest.record(trx, environment, entries);
          await trx
            .insertInto('sluice_experiment_source')
            .values({ environment, experiment: key, watermark: through })
            .onConflict((oc) => oc.columns(['environment', 'experiment']).doUpdateSet({ watermark: through }))
            .execute();
        });
        total += take.length;
        from = new Date(through);
        if (!full) return { rows: total, through };
      }
    } finally {
      await source.close();
    }
  }
}
