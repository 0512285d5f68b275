/** Business events: `POST /api/v1/events` and the store the `events` metric provider reads. */
export * from './event.schema.js';
export * from './event-store.js';
export * from './tracking.routes.js';
