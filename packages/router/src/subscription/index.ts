export { Backoff } from './backoff.js';
export {
  ConfigSubscription,
  STREAM_PATH,
  type SubscriptionOptions,
  type SubscriptionState,
} from './client.js';
export {
  Heartbeat,
  type HeartbeatBody,
  type HeartbeatOptions,
  heartbeatPath,
  sendHeartbeat,
} from './heartbeat.js';
