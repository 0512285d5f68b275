export * from './db.js';
export * from './migrate.js';
export type { Database } from './schema.js';
export * from './transaction.js';
