export { watchSlice } from './slice.js';
export { watchEventsSchema } from './watch.schema.js';
export { DEFAULT_WATCH_LIMITS, WatchHub, type WatchLimits, WatchStreamsExhausted } from './watch-hub.js';
