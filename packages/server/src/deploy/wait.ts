import { DeployFailed, DeployTimeout } from './errors.js';
import {
  type Deployment,
  type HealthCheck,
  parseInput,
  versionNameSchema,
  type WaitOptions,
  waitOptionsSchema,
} from './model.js';

export interface WaitDeps {
  /** Milliseconds since the epoch; injected so tests need no fake timers. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const realWaitDeps: WaitDeps = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * The shared `waitReady`: polls `status` with exponential backoff (the health check's interval,
 * doubling, capped at 8 intervals) until `ready`, bounded by `timeoutMs`. Never sleeps past the
 * deadline, so the bound holds however slow a single poll is.
 */
export async function waitUntilReady(
  status: (version: string) => Promise<Deployment | null>,
  version: string,
  options: WaitOptions | undefined,
  defaults: { timeoutMs: number; healthCheck: HealthCheck },
  deps: WaitDeps = realWaitDeps,
): Promise<Deployment> {
  parseInput(versionNameSchema, version, 'version');
  const o = parseInput(waitOptionsSchema, options ?? {}, 'options');
  const timeoutMs = o.timeoutMs ?? defaults.timeoutMs;
  const base = Math.max(1, defaults.healthCheck.interval_seconds * 1000);
  const deadline = deps.now() + timeoutMs;
  let last: Deployment | null = null;
  for (let attempt = 0; ; attempt++) {
    last = await status(version);
    if (last === null) throw DeployFailed(`version ${version} is not deployed`);
    if (last.state === 'ready') return last;
    if (last.state === 'failed' || last.state === 'retired')
      throw DeployFailed(`version ${version} is ${last.state}${last.detail ? `: ${last.detail}` : ''}`, {
        extensions: { deployment: last },
      });
    const left = deadline - deps.now();
    if (left <= 0) break;
    await deps.sleep(Math.min(left, base * 2 ** Math.min(attempt, 3)));
  }
  throw DeployTimeout(
    `version ${version} was not ready within ${timeoutMs} ms (last state ${last.state}${last.detail ? `: ${last.detail}` : ''})`,
    { extensions: { deployment: last } },
  );
}
