export * from './config.js';
export * from './http/problem.js';
export type { AnyRoute, Principal, RouteDefinition } from './http/route.js';
export { defineRoute } from './http/route.js';
export { createKindRegistry } from './kinds.js';
export * from './resources/index.js';
export * from './server.js';
export * from './storage/index.js';
