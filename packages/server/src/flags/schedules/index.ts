export * from './apply-change.js';
export * from './errors.js';
export * from './flag-scheduler.js';
export * from './schedule.schema.js';
export * from './schedules.routes.js';
