export { BUILTIN_CAPABILITIES, type BuiltinOptions, createBuiltinProvider } from './builtin.js';
export * from './errors.js';
export {
  createGatewayApiProvider,
  GATEWAY_API_CAPABILITIES,
  type GatewayApiOptions,
  gatewayApiOptionsSchema,
} from './gateway-api.js';
export {
  createHaproxyProvider,
  HAPROXY_CAPABILITIES,
  type HaproxyOptions,
  haproxyOptionsSchema,
} from './haproxy.js';
export { inClusterConnection, type KubeConnection, kubeConnectionSchema } from './kube-client.js';
export {
  type AppliedTraffic,
  appliedTrafficSchema,
  type Backends,
  backendsSchema,
  EMPTY_TRAFFIC,
  type MatchRule,
  type Mirror,
  matchRuleSchema,
  matchRulesSchema,
  mirrorSchema,
  parseInput,
  versionNameSchema,
  type Weights,
  weightMapSchema,
  weightsSchema,
} from './model.js';
export {
  createNginxProvider,
  NGINX_CAPABILITIES,
  type NginxOptions,
  nginxOptionsSchema,
  writeInitialNginxConfig,
} from './nginx.js';
export {
  createTrafficProvider,
  type DataPlane,
  planBackends,
  planMatchRules,
  planMirror,
  planWeights,
} from './plan.js';
export {
  checkCapabilities,
  matchRuleCapabilities,
  type RequiredCapability,
  STRATEGY_CAPABILITIES,
  TRAFFIC_CAPABILITIES,
  type TrafficCapabilities,
  type TrafficCapability,
  type TrafficProvider,
} from './provider.js';
export { serverWeights, versionPercents } from './weights.js';
