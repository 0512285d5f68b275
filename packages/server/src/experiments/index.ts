/** A/B experiments: the Experiment kind, ingestion, exposures, results, the stats calculators. */
export * from './experiment.kind.js';
export * from './experiment-store.js';
export * from './experiment-store.kysely.js';
export * from './experiments.service.js';
export * from './exposures.js';
export * from './ingest.js';
export * from './slice.js';
export * from './sources/metric-source.js';
export * from './sources/metric-source.kind.js';
export * from './sources/postgres.source.js';
export * from './sources/sync.js';
