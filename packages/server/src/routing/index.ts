export * from './route.kind.js';
export * from './router-config.service.js';
export * from './routing.routes.js';
