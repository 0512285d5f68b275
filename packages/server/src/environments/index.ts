export * from './environment.kind.js';
export * from './seed.js';
