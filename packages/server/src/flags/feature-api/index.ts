export * from './errors.js';
export * from './seed-api.routes.js';
export * from './seed-flag.js';
