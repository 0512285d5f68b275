export * from './change-bus.js';
export * from './db.js';
export * from './errors.js';
export * from './health.js';
export * from './migrate.js';
export type { Database } from './schema.js';
export * from './transaction.js';
