export * from './dora.js';
