export { Backoff } from './backoff.js';
export {
  ConfigSubscription,
  STREAM_PATH,
  type SubscriptionOptions,
  type SubscriptionState,
} from './client.js';
export {
  countsPath,
  Heartbeat,
  type HeartbeatBody,
  type HeartbeatOptions,
  heartbeatPath,
  postJson,
  sendHeartbeat,
} from './heartbeat.js';
