export * from './defaults.js';
export * from './environment.kind.js';
export * from './generation.js';
