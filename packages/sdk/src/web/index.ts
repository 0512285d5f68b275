export type { BackoffOptions } from '../stream/backoff.js';
export { SluiceWebProvider, type SluiceWebProviderOptions } from './provider.js';
