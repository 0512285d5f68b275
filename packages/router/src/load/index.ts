export { CookieJar } from './cookies.js';
export { LoadTargetRefused } from './errors.js';
export { LatencyHistogram, type LatencySummary } from './histogram.js';
export { type LoadProgress, type LoadSummary, type RunLoadArgs, runLoad } from './run.js';
export {
  isLoopbackHost,
  type LoadOptions,
  type LoadOptionsInput,
  loadOptionsSchema,
  MAX_DURATION_MS,
  MAX_RPS,
  parseLoadOptions,
} from './schema.js';
