export * from './environment.kind.js';
export * from './generation.js';
export * from './seed.js';
