export { RouteBalancer, ShareSampler, shedWeights, WeightedRoundRobin } from './balancer.js';
export {
  type CompiledRoute,
  type CompiledVersion,
  compileTable,
  EMPTY_TABLE,
  findRoute,
  hostName,
  prefixMatches,
  type RoutingTable,
} from './compile.js';
