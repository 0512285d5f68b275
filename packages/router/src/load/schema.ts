import { ValidationFailed } from '@sluice/core/errors';
import { z } from 'zod';
import { LoadTargetRefused } from './errors.js';

/** Upper bounds keep a typo from turning the load generator into a flood. */
export const MAX_RPS = 5000;
export const MAX_DURATION_MS = 3_600_000;

export const loadOptionsSchema = z
  .object({
    /** Target URL; each request goes to exactly this URL. Loopback hosts only. */
    url: z.url({ protocol: /^https?$/ }),
    /** Requests per second, scheduled by time (open loop). */
    rps: z.number().int().min(1).max(MAX_RPS),
    durationMs: z.number().int().min(1).max(MAX_DURATION_MS),
    /** Distinct sticky users (`x-user-id` + a cookie jar each), each with one request in flight at most. */
    users: z.number().int().min(1).max(1_000_000).default(100),
    /**
     * Requests a user sends before leaving; a new user (no cookies) takes their place. Real
     * traffic has newcomers, and only newcomers reach a canary that sticky routing protects.
     */
    sessionRequests: z.number().int().min(1).max(1_000_000).default(10),
    /** Most requests in flight at once; a request due while at the cap is dropped, not queued. */
    concurrency: z.number().int().min(1).max(1000).default(256),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    headers: z.record(z.string(), z.string()).default({}),
    timeoutMs: z.number().int().min(1).max(60_000).default(10_000),
    /** How often `onProgress` is called. */
    progressIntervalMs: z.number().int().min(50).max(60_000).default(1000),
  })
  .strict();

export type LoadOptionsInput = z.input<typeof loadOptionsSchema>;
export type LoadOptions = z.output<typeof loadOptionsSchema>;

/** True for 127.0.0.0/8, ::1 and localhost: the only places load may be sent. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  if (host.startsWith('::ffff:')) return isLoopbackHost(host.slice(7));
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m?.[1] === '127' && m.slice(1).every((o) => Number(o) <= 255);
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '$' : out;
}

/** Validates options; bad input is a VALIDATION_FAILED error naming each field. */
export function parseLoadOptions(input: unknown): LoadOptions {
  const result = loadOptionsSchema.safeParse(input);
  if (!result.success) {
    const fields = result.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message }));
    throw ValidationFailed(
      `invalid load options: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
      {
        fields,
      },
    );
  }
  const { hostname } = new URL(result.data.url);
  if (!isLoopbackHost(hostname)) {
    throw LoadTargetRefused(
      `refusing to send load to "${hostname}": only 127.0.0.0/8, ::1 and localhost are allowed`,
      { fields: [{ path: 'url', message: 'not a loopback host' }] },
    );
  }
  return result.data;
}
