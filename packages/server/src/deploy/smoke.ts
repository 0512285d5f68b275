/**
 * Smoke tests: the seed's `smoke_tests` (`{endpoint, expected_status, method?, timeout_seconds?}`)
 * run against one upstream of a new version before it gets traffic. Each test gets a result of
 * its own (status, latency, error) so the orchestrator can record exactly what failed.
 */
import { z } from 'zod';
import { parseInput, type SmokeTest, smokeTestSchema, upstreamUrlSchema } from './model.js';

export const smokeResultSchema = z.object({
  endpoint: z.string(),
  method: z.string(),
  expectedStatus: z.number().int(),
  /** The status answered; `null` when no answer came (refused, timed out). */
  status: z.number().int().nullable(),
  passed: z.boolean(),
  latencyMs: z.number().min(0),
  error: z.string().optional(),
});
export type SmokeResult = z.infer<typeof smokeResultSchema>;

export interface SmokeReport {
  /** True when every test passed (and vacuously for no tests). */
  passed: boolean;
  results: SmokeResult[];
}

export interface SmokeDeps {
  fetch: typeof fetch;
  /** A monotonic clock in milliseconds, for latencies. */
  now: () => number;
}

const defaultDeps: SmokeDeps = { fetch: (...args) => fetch(...args), now: () => performance.now() };

/**
 * Runs the tests one after the other against `upstream` (`http://host:port`). Redirects are
 * not followed: a test expecting 200 that gets a 301 fails. Never throws for a failing test;
 * bad input (a test or URL that does not validate) is VALIDATION_FAILED naming the field.
 */
export async function runSmokeTests(
  upstream: string,
  tests: readonly z.input<typeof smokeTestSchema>[],
  deps: Partial<SmokeDeps> = {},
): Promise<SmokeReport> {
  const base = parseInput(upstreamUrlSchema, upstream, 'upstream');
  const parsed: SmokeTest[] = parseInput(z.array(smokeTestSchema), tests, 'smokeTests');
  const d = { ...defaultDeps, ...deps };
  const results: SmokeResult[] = [];
  for (const test of parsed) results.push(await runOne(base, test, d));
  return { passed: results.every((r) => r.passed), results };
}

async function runOne(base: string, test: SmokeTest, d: SmokeDeps): Promise<SmokeResult> {
  // Keep the upstream's own path prefix: `/health` against `http://h/app` is `http://h/app/health`.
  const url = new URL(base);
  const q = test.endpoint.indexOf('?');
  url.pathname = `${url.pathname.replace(/\/$/, '')}${q === -1 ? test.endpoint : test.endpoint.slice(0, q)}`;
  url.search = q === -1 ? '' : test.endpoint.slice(q);
  const shape = { endpoint: test.endpoint, method: test.method, expectedStatus: test.expected_status };
  const started = d.now();
  try {
    const res = await d.fetch(url, {
      method: test.method,
      redirect: 'manual',
      signal: AbortSignal.timeout(test.timeout_seconds * 1000),
    });
    await res.body?.cancel();
    const latencyMs = Math.max(0, d.now() - started);
    const passed = res.status === test.expected_status;
    return {
      ...shape,
      status: res.status,
      passed,
      latencyMs,
      ...(passed ? {} : { error: `expected status ${test.expected_status}, got ${res.status}` }),
    };
  } catch (err) {
    const latencyMs = Math.max(0, d.now() - started);
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    const error = timedOut
      ? `no answer within ${test.timeout_seconds} s`
      : `${err instanceof Error ? err.message : String(err)}${cause}`;
    return { ...shape, status: null, passed: false, latencyMs, error };
  }
}
