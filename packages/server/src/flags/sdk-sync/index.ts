export { syncPayload } from './payload.js';
export { sdkSyncSlice } from './slice.js';
export { SdkStreamsExhausted } from './sync-streams.js';
