export {
  type FlagsChanged,
  MAX_IMPRESSION_TALLIES,
  SluiceClient,
  type SluiceClientEvents,
  type SluiceClientOptions,
  type SluiceResult,
  type SluiceStatus,
} from './node/client.js';
export type { ImpressionStats } from './node/impressions.js';
export { SluiceProvider, type SluiceProviderOptions } from './node/provider.js';
export type { BackoffOptions } from './stream/backoff.js';
