export {
  type FlagsChanged,
  SluiceClient,
  type SluiceClientEvents,
  type SluiceClientOptions,
  type SluiceResult,
  type SluiceStatus,
} from './node/client.js';
export { SluiceProvider, type SluiceProviderOptions } from './node/provider.js';
export type { BackoffOptions } from './stream/backoff.js';
