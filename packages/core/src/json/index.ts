export * from './canonical.js';
