export * from './documents.js';
export * from './kind.js';
export * from './registry.js';
export * from './resource.schema.js';
export * from './resource-store.js';
export * from './resource-store.kysely.js';
export * from './resources.routes.js';
export * from './resources.service.js';
