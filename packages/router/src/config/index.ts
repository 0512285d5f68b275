export { RouterConfigInvalid } from './errors.js';
export { formatPath, issuesToFields, parseRouterSnapshot } from './parse.js';
export { normalizePrefix } from './rules.js';
export * from './schema.js';
