export * from './flag.kind.js';
export * from './flag-sets.js';
export * from './flagd-file.js';
export * from './flags.routes.js';
export * from './flags.service.js';
export * from './kill-store.js';
export * from './segment.kind.js';
