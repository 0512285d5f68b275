export {
  HealthChecker,
  type HealthCheckerOptions,
  type HealthEvent,
  type HealthState,
  probe,
} from './checker.js';
