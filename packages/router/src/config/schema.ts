import { z } from 'zod';

/**
 * The router configuration snapshot: the one shape the control plane sends, the router
 * persists and both validate. Cross-field rules (weights sum to 100, known versions, unique
 * host+prefix) live in `validate.ts` so the errors name the exact path.
 */

import { checkRoute, checkSnapshot } from './rules.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const nameSchema = z.string().regex(NAME, 'must be 1-63 letters, digits, ".", "_" or "-"');

/** An upstream URL: http(s) with a host, no query or fragment (the request's own are kept). */
export const upstreamUrlSchema = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: 'must use http or https' });
  } else if (url.hostname === '') {
    ctx.addIssue({ code: 'custom', message: 'must name a host' });
  } else if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'must not carry credentials, a query or a fragment' });
  }
});

export const healthCheckSchema = z.strictObject({
  path: z.string().startsWith('/').default('/healthz'),
  intervalMs: z.number().int().min(100).max(3_600_000).default(5_000),
  timeoutMs: z.number().int().min(10).max(60_000).default(2_000),
  /** Consecutive successes that bring an unhealthy upstream back. */
  healthyThreshold: z.number().int().min(1).max(100).default(2),
  /** Consecutive failures that take a healthy upstream out. */
  unhealthyThreshold: z.number().int().min(1).max(100).default(3),
  /** A check passes on a status in [min, max]. */
  expectedStatus: z
    .strictObject({ min: z.number().int().min(100).max(599), max: z.number().int().min(100).max(599) })
    .default({ min: 200, max: 399 }),
});

/** How an https upstream is verified: a private CA (PEM) and/or the name its certificate bears. */
export const upstreamTlsSchema = z.strictObject({
  ca: z.string().min(1).max(65_536).optional(),
  serverName: z.string().min(1).max(253).optional(),
});

export const versionSchema = z
  .strictObject({
    name: nameSchema,
    url: upstreamUrlSchema,
    tls: upstreamTlsSchema.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.tls && !v.url.startsWith('https:')) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls settings need an https URL' });
    }
  });

const matchBase = { version: nameSchema, value: z.string().max(4096) };
/** Pins a request to a version before weights apply (testers, canary-by-header). */
export const matchRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('header'),
    name: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/),
    ...matchBase,
  }),
  z.strictObject({
    kind: z.literal('cookie'),
    name: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/),
    ...matchBase,
  }),
  z.strictObject({ kind: z.literal('query'), name: z.string().min(1).max(256), ...matchBase }),
]);

export const stickySchema = z.strictObject({
  /** Defaults to `sluice_<route name>`. */
  cookie: z
    .string()
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/)
    .optional(),
  maxAgeSeconds: z
    .number()
    .int()
    .min(1)
    .max(400 * 86_400)
    .default(86_400),
});

export const mirrorSchema = z.strictObject({
  version: nameSchema,
  /** Share of requests copied to the shadow version, 0-100. */
  percent: z.number().min(0).max(100),
  /** Requests with a larger body are not mirrored (the body must be buffered to be replayed). */
  maxBodyBytes: z
    .number()
    .int()
    .min(0)
    .max(16 * 1024 * 1024)
    .default(1024 * 1024),
});

export const timeoutsSchema = z.strictObject({
  /** Time to open a TCP connection to the upstream → 502 on expiry (counted as an error). */
  connectMs: z.number().int().min(1).max(600_000).default(5_000),
  /** Time from sending the request to receiving the response headers → 504. */
  responseMs: z.number().int().min(1).max(3_600_000).default(30_000),
});

export const routeSchema = z
  .strictObject({
    /** Unique; metrics are keyed by route name and version name. */
    name: nameSchema,
    /** Exact host (case-insensitive, port ignored); absent means any host. */
    host: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/, 'must be a hostname without port')
      .transform((h) => h.toLowerCase())
      .optional(),
    /** Matched on whole path segments: `/api` matches `/api` and `/api/x`, not `/apix`. */
    pathPrefix: z.string().startsWith('/').default('/'),
    /** Remove the prefix before forwarding. */
    stripPrefix: z.boolean().default(false),
    /** Forward the client's Host header instead of the upstream's. */
    preserveHost: z.boolean().default(false),
    versions: z.array(versionSchema).min(1).max(32),
    /** Integer percentages per version name; they sum to 100. */
    weights: z.record(z.string(), z.number().int().min(0).max(100)),
    match: z.array(matchRuleSchema).max(64).default([]),
    sticky: stickySchema.optional(),
    mirror: mirrorSchema.optional(),
    timeouts: timeoutsSchema.default({ connectMs: 5_000, responseMs: 30_000 }),
    healthCheck: healthCheckSchema.optional(),
  })
  .superRefine(checkRoute);

export const routerSnapshotSchema = z
  .strictObject({
    /** Monotonic; a router ignores a snapshot older than the one it applied. */
    version: z.number().int().min(0),
    /**
     * Identifies the control plane's store (e.g. a database id). A snapshot from another epoch
     * is applied whatever its version: a rebuilt control plane counting from 1 again is not
     * ignored forever by routers that remember a higher version.
     */
    epoch: z.string().min(1).max(128).optional(),
    generatedAt: z.string().optional(),
    routes: z.array(routeSchema).max(1024),
  })
  .superRefine(checkSnapshot);

/** What the control plane writes (defaults may be omitted). */
export type RouterSnapshotInput = z.input<typeof routerSnapshotSchema>;
/** A validated snapshot with every default filled in. */
export type RouterSnapshot = z.output<typeof routerSnapshotSchema>;
export type RouteConfig = RouterSnapshot['routes'][number];
export type VersionConfig = z.output<typeof versionSchema>;
export type UpstreamTls = z.output<typeof upstreamTlsSchema>;
export type MatchRule = z.output<typeof matchRuleSchema>;
export type HealthCheckConfig = z.output<typeof healthCheckSchema>;
export type MirrorConfig = z.output<typeof mirrorSchema>;
export type TimeoutsConfig = z.output<typeof timeoutsSchema>;
