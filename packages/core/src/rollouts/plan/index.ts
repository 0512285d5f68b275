export * from './dag.js';
export * from './duration.js';
export * from './gate-schema.js';
export * from './parse.js';
export * from './plan-schema.js';
export * from './strategy-schemas.js';
