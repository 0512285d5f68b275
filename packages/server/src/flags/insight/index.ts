export * from './evaluation-insight.js';
export * from './insight.routes.js';
export * from './instrument.js';
export * from './stale.js';
