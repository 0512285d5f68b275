export { serviceKind } from './service.kind.js';
export {
  type ServiceSpec,
  type ServiceSpecInput,
  serviceNameSchema,
  serviceSpecSchema,
  serviceTrafficSchema,
  TRAFFIC_PROVIDERS,
} from './service.schema.js';
