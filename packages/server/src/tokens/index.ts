export * from './bootstrap.js';
export * from './token.kind.js';
export * from './token.schema.js';
export * from './token-store.js';
export * from './token-store.kysely.js';
export * from './tokens.routes.js';
export * from './tokens.service.js';
