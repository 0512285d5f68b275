import type { Deployment, DeployRequest, RetireRequest, WaitOptions } from './model.js';

/**
 * The contract every deploy provider (process, static, webhook, kubernetes) meets: how a
 * version of a Service comes to exist, is watched, and goes away. Small on purpose, like the
 * TrafficProvider; one doc comment per method.
 *
 * Every side effect carries the orchestrator's deterministic operation id: repeating a call
 * with the same id after a crash returns what the first call did, never a second copy. Input
 * is validated (VALIDATION_FAILED naming the field). Failures are data the orchestrator acts
 * on, with stable codes: DEPLOY_FAILED (could not come up), DEPLOY_TIMEOUT (not ready in time),
 * DEPLOY_PROVIDER_UNAVAILABLE (the deploy system is unreachable), DEPLOY_OPERATION_CONFLICT
 * (an operation id reused for something else), DEPLOY_VERSION_UNKNOWN (static: no upstreams).
 */
export interface DeployProvider {
  /** The provider kind: `process`, `static`, `webhook`, `kubernetes`. */
  readonly name: string;
  /**
   * Starts a version (or returns the one already running): spawns the process, asks the deploy
   * system, scales the Deployment. Returns as soon as the version exists — usually `starting`;
   * call `waitReady` for health. Idempotent per `opId` and per running version.
   */
  deploy(request: DeployRequest): Promise<Deployment>;
  /** What the version is doing now, read from the deploy system (and its health check); `null` if unknown. */
  status(version: string): Promise<Deployment | null>;
  /**
   * Polls `status` with backoff until the version is `ready`. A `failed` or `retired` version is
   * DEPLOY_FAILED; still not ready when `timeoutMs` runs out is DEPLOY_TIMEOUT.
   */
  waitReady(version: string, options?: WaitOptions): Promise<Deployment>;
  /**
   * Stops a version (SIGTERM then SIGKILL, scale to zero, tell the deploy system). Returns it as
   * `retired`; a version that is already gone returns `null`. Idempotent.
   */
  retire(request: RetireRequest): Promise<Deployment | null>;
  /** Every version the provider runs now (retired ones left out; `process` lists crashed ones as `failed`). */
  list(): Promise<Deployment[]>;
  /** Releases timers and connections. Running versions keep running. */
  close(): Promise<void>;
}
