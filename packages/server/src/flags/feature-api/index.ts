export * from './errors.js';
export * from './feature-api.routes.js';
export * from './feature-flag.js';
