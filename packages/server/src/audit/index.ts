export * from './audit.routes.js';
export * from './audit.schema.js';
export * from './audit-store.js';
export * from './audit-store.kysely.js';
