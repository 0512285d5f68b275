/**
 * The `Service` spec: one deployable application — how its versions run (deploy provider),
 * how traffic reaches them (traffic provider and route), how a version is judged alive
 * (health check) and fit for traffic (smoke tests). The shapes of the parts come from the
 * slices that own them (deploy/, traffic/, the core's plan schemas), never re-declared here.
 */
import { routeSchema } from '@sluice/router/config';
import { z } from 'zod';
import { deploySpecSchema } from '../deploy/factory.js';
import { healthCheckSchema, smokeTestSchema, versionNameSchema } from '../deploy/model.js';
import { operatorNameSchema } from '../operator/operator-config.js';
import { routeNameSchema } from '../routing/route.kind.js';
import { gatewayApiOptionsSchema } from '../traffic/gateway-api.js';
import { haproxyOptionsSchema } from '../traffic/haproxy.js';
import { nginxOptionsSchema } from '../traffic/nginx.js';

/**
 * Service names become state directories, Kubernetes object names and metric labels, so they
 * are DNS labels: the seed's `api-service`, `web-frontend`.
 */
export const serviceNameSchema = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'service names are DNS labels: lower-case letters, digits, "-"',
  );

export const TRAFFIC_PROVIDERS = ['builtin', 'haproxy', 'nginx', 'gateway-api'] as const;

/** Connection options per traffic provider; `builtin` needs none (the embedded router). */
const TRAFFIC_OPTIONS: Record<(typeof TRAFFIC_PROVIDERS)[number], z.ZodType | null> = {
  builtin: null,
  haproxy: haproxyOptionsSchema,
  nginx: nginxOptionsSchema,
  'gateway-api': gatewayApiOptionsSchema,
};

export const serviceTrafficSchema = z
  .strictObject({
    provider: z.enum(TRAFFIC_PROVIDERS).default('builtin'),
    /** Where the service is reached. `name` is the Route resource (builtin); default the Service's name. */
    route: z
      .strictObject({
        name: routeNameSchema.optional(),
        host: routeSchema.shape.host,
        pathPrefix: routeSchema.shape.pathPrefix,
        /** Keep each user on the version they first got (a cookie), so a canary's users stay put. */
        sticky: routeSchema.shape.sticky,
      })
      .default({ pathPrefix: '/' }),
    /**
     * A traffic provider instance from the operator configuration (SLUICE_CONFIG
     * `trafficProviders`): its options (binaries, paths, sockets, API connection) come from
     * there and `options` adds the safe ones (service/backend/route names, timeouts).
     */
    connection: operatorNameSchema.optional(),
    /** The provider's own options (HAProxy socket and backend, NGINX paths, the HTTPRoute). */
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((t, ctx) => {
    if (t.route.sticky && t.provider !== 'builtin')
      ctx.addIssue({
        code: 'custom',
        path: ['route', 'sticky'],
        message: `sticky sessions need the builtin router; the ${t.provider} provider sets no sticky cookie`,
      });
    const full = TRAFFIC_OPTIONS[t.provider];
    if (full === null) {
      for (const field of ['options', 'connection'] as const)
        if (t[field] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: `the ${t.provider} provider takes no ${field}`,
          });
      return;
    }
    // with an operator instance, the rest of the options come from SLUICE_CONFIG
    const schema = t.connection === undefined ? full : (full as z.ZodObject).partial();
    for (const file of ['tokenFile', 'caFile'])
      if (t.options?.connection && typeof t.options.connection === 'object' && file in t.options.connection)
        ctx.addIssue({
          code: 'custom',
          path: ['options', 'connection', file],
          message: `${file} is read from the control plane's disk: declare the connection in the operator configuration (SLUICE_CONFIG) and name it`,
        });
    const parsed = schema.safeParse(t.options ?? {});
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        ctx.addIssue({
          code: 'custom',
          path: ['options', ...(issue.path as (string | number)[])],
          message: issue.message,
        });
  });

export const serviceSpecSchema = z
  .strictObject({
    description: z.string().max(1000).optional(),
    /** The version serving users now; a successful rollout moves it. Absent until the first one. */
    stableVersion: versionNameSchema.optional(),
    deploy: deploySpecSchema,
    traffic: serviceTrafficSchema.default(() => serviceTrafficSchema.parse({})),
    /** The seed's health check: `{endpoint, retries, interval_seconds, timeout_seconds}`. */
    healthCheck: healthCheckSchema.default(() => healthCheckSchema.parse({})),
    /** The seed's smoke tests, run against a new version before it gets traffic. */
    smokeTests: z.array(smokeTestSchema).max(50).default([]),
  })
  .superRefine((s, ctx) => {
    // A static provider can only serve a stable version it has upstreams for.
    const d = s.deploy;
    if (s.stableVersion && d.provider === 'static' && !d.template && !(s.stableVersion in d.upstreams))
      ctx.addIssue({
        code: 'custom',
        path: ['stableVersion'],
        message: `deploy.upstreams lists no upstreams for ${s.stableVersion}`,
      });
  })
  .meta({ id: 'ServiceSpec' });

export type ServiceSpec = z.output<typeof serviceSpecSchema>;
export type ServiceSpecInput = z.input<typeof serviceSpecSchema>;
