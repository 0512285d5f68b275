export { CountsFeed, type CountsFeedOptions } from './counts-feed.js';
export { LATENCY_SCALE } from './histogram.js';
export { type GaugeFamily, renderPrometheus } from './prometheus.js';
export {
  isError,
  type MirrorComparison,
  type MirrorTotals,
  PROM_BUCKETS,
  type RequestOutcome,
  RouterMetrics,
  type SeriesTotals,
  type VersionCounts,
} from './registry.js';
export { SlidingWindow, type WindowStats } from './window.js';
