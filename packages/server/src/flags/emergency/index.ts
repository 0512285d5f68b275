export * from './emergency.routes.js';
export * from './emergency.schema.js';
export * from './emergency.service.js';
export * from './emergency-store.js';
export * from './header.js';
