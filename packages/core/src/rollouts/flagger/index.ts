/** Flagger's Canary read as a Sluice plan: its schema, the translation, load-test commands. */
export * from './canary-schema.js';
export * from './load-test.js';
export * from './translate.js';
