import type { HealthCheck } from './model.js';

/**
 * One health probe: `GET <upstream><endpoint>` within the check's timeout; true on any 2xx.
 * Redirects are not followed (a login redirect is not health).
 */
export async function probeHealth(upstream: string, healthCheck: HealthCheck): Promise<boolean> {
  try {
    const res = await fetch(`${upstream.replace(/\/$/, '')}${healthCheck.endpoint}`, {
      signal: AbortSignal.timeout(healthCheck.timeout_seconds * 1000),
      redirect: 'manual',
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}

/** Every upstream healthy (in parallel); false for none. */
export async function allHealthy(upstreams: readonly string[], healthCheck: HealthCheck): Promise<boolean> {
  if (upstreams.length === 0) return false;
  return (await Promise.all(upstreams.map((u) => probeHealth(u, healthCheck)))).every(Boolean);
}
