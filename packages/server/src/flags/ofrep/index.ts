export * from './access.js';
export * from './cors.js';
export * from './errors.js';
export * from './ofrep.openapi.js';
export * from './ofrep.routes.js';
export * from './ofrep.schema.js';
export * from './results.js';
export * from './stream.js';
