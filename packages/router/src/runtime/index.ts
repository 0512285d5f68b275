export { createAdminHandler, routerGauges, versionsReport } from './admin.js';
export { createRouter } from './router.js';
export {
  runStandaloneRouter,
  type StandaloneOptions,
  type StandaloneRouter,
  stderrLogger,
} from './standalone.js';
export type {
  ApplyResult,
  ListenOptions,
  Logger,
  LogLevel,
  Router,
  RouterOptions,
  RouterStatus,
  RouteStatus,
  VersionStatus,
} from './types.js';
