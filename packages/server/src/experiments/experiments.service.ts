/**
 * Experiments: lifecycle steps (start, stop, conclude — each a versioned, audited write of the
 * Experiment's status), results from the per-arm sums, and the events adapter the tracking slice
 * calls for events that name an experiment.
 */
import { ValidationFailed } from '@sluice/core';
import {
  armFor,
  type ExperimentResults,
  type ExperimentSpec,
  experimentResults,
} from '@sluice/core/experiments';
import { normalizeResource } from '../resources/documents.js';
import type { StoredResource } from '../resources/resource.schema.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';
import type { Actor, ResourceService } from '../resources/resources.service.js';
import type { Executor } from '../storage/index.js';
import type { ExperimentEvents } from '../tracking/tracking.routes.js';
import type { ExperimentRun } from './experiment-store.js';
import { createExperimentStore } from './experiment-store.kysely.js';
import { EXPOSURE, type ExperimentIngest } from './ingest.js';
import type { SourceSync } from './sources/sync.js';

export type LifecycleVerb = 'start' | 'stop' | 'conclude';

const STATUS_OF = { start: 'active', stop: 'stopped', conclude: 'concluded' } as const;

export interface ResultsAnswer extends ExperimentResults {
  environment: string;
  run: ExperimentRun | null;
  /** The MetricSource read before computing, when the experiment has one. */
  source?: { rows: number; through: string | null } | { error: string };
}

export class ExperimentsService {
  constructor(
    private readonly db: Executor,
    private readonly resources: ResourceService,
    private readonly ingest: ExperimentIngest,
    private readonly now: () => Date,
    private readonly sources?: SourceSync,
  ) {}

  private get kind() {
    return this.resources.registry.get('Experiment');
  }

  async get(environment: string, key: string): Promise<StoredResource> {
    return this.resources.get(this.kind, environment, key);
  }

  /** Moves the experiment to the verb's status (and, to conclude, names the winner). */
  async transition(
    environment: string,
    key: string,
    verb: LifecycleVerb,
    actor: Actor,
    options: { arm?: string | undefined } = {},
  ): Promise<StoredResource> {
    const current = await this.get(environment, key);
    const spec = current.spec as ExperimentSpec;
    if (options.arm !== undefined && verb !== 'conclude') {
      throw ValidationFailed('only conclude takes an arm', {
        fields: [{ path: 'body.arm', message: 'only for conclude' }],
      });
    }
    const next: ExperimentSpec = {
      ...spec,
      status: STATUS_OF[verb],
      ...(options.arm !== undefined ? { winner: options.arm } : {}),
    };
    const resource = normalizeResource(
      this.kind,
      { name: key, environment, spec: next },
      'body',
      environment,
    );
    resource.expectedVersion = current.metadata.version;
    return (await this.resources.put(resource, actor)).resource;
  }

  /** Results as of now, or as of the stop for a stopped or concluded experiment. */
  async results(environment: string, key: string): Promise<ResultsAnswer> {
    const spec = (await this.get(environment, key)).spec as ExperimentSpec;
    // a warehouse that cannot be read leaves the results as of the last read, and says so
    const source =
      spec.metrics.source && this.sources
        ? await this.sources.sync(environment, key, spec).catch((error: Error) => ({ error: error.message }))
        : undefined;
    const store = createExperimentStore(this.db);
    const run = await store.run(environment, key);
    const aggregates = await store.arms(environment, key);
    const ended = run?.stoppedAt ?? run?.concludedAt;
    const now = ended && spec.status !== 'active' ? Date.parse(ended) : this.now().getTime();
    const startedAt = run?.startedAt ? Date.parse(run.startedAt) : null;
    const results = experimentResults({ key, spec, aggregates, startedAt, now });
    return { environment, run, ...results, ...(source ? { source } : {}) };
  }

  /** The adapter the tracking slice calls for events that name an experiment. */
  readonly events: ExperimentEvents = {
    check: async (environment, events) => {
      const answers = await this.ingest.check(
        environment,
        events.map((e) => ({
          experiment: e.experiment as string,
          user: e.user,
          name: e.name,
          version: e.version,
        })),
      );
      return answers.map((a) => a.problem ?? null);
    },
    counter: (environment) => async (trx, stored) => {
      const specs = new Map<string, ExperimentSpec | undefined>();
      const store = createResourceStore(trx);
      for (const key of new Set(stored.map((e) => e.experiment as string))) {
        specs.set(key, (await store.get('Experiment', environment, key))?.spec as ExperimentSpec | undefined);
      }
      const entries = stored.flatMap((e) => {
        const key = e.experiment as string;
        const spec = specs.get(key);
        if (!spec) return [];
        const arm = e.name === EXPOSURE ? (e.version ?? armFor(key, spec, e.user)) : undefined;
        return [
          {
            experiment: key,
            user: e.user,
            name: e.name,
            arm,
            value: e.value,
            time: new Date(e.time).toISOString(),
          },
        ];
      });
      await this.ingest.record(trx, environment, entries);
    },
  };
}
