import { z } from 'zod';
import { TrafficProviderRejected } from './errors.js';
import { httpRouteSchema, rulesForTraffic, trafficFromRoute, VERSIONS_ANNOTATION } from './gateway-route.js';
import { createKubeClient, inClusterConnection, kubeConnectionSchema } from './kube-client.js';
import { parseInput } from './model.js';
import { createTrafficProvider, type DataPlane } from './plan.js';
import type { TrafficCapabilities, TrafficProvider } from './provider.js';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS label: lower-case letters, digits, "-"');

export const gatewayApiOptionsSchema = z
  .object({
    /**
     * API server connection; omitted means in-cluster (the pod's service account). In a Service,
     * the name of an operator connection (SLUICE_CONFIG), which the caller resolves.
     */
    connection: z
      .union([
        z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a connection name'),
        kubeConnectionSchema,
      ])
      .optional(),
    namespace: dnsLabel,
    /** The HTTPRoute Sluice manages; it must exist (its parentRefs and hostnames are kept). */
    route: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/),
    /** Every generated rule matches this path prefix. */
    pathPrefix: z.string().startsWith('/').default('/'),
    /** `v1` (Gateway API 1.0+). */
    apiVersion: z.enum(['v1', 'v1beta1']).default('v1'),
    /** How many times a write is retried when someone else changed the route meanwhile (409). */
    conflictRetries: z.number().int().min(0).max(10).default(3),
  })
  .strict();

export type GatewayApiOptions = z.input<typeof gatewayApiOptionsSchema>;

/**
 * Gateway API (standard channel): weighted backendRefs, header and query matches, the
 * RequestMirror filter (its `percent` is in the experimental channel of 1.2+; without it a
 * controller mirrors everything). No cookie match and no session persistence in the standard
 * channel.
 */
export const GATEWAY_API_CAPABILITIES: TrafficCapabilities = Object.freeze({
  weights: true,
  backends: true,
  headerMatch: true,
  cookieMatch: false,
  queryMatch: true,
  mirror: true,
  sticky: false,
});

/**
 * Sets the `backendRefs` weights (and match rules, mirror) of one Kubernetes Gateway API
 * HTTPRoute through the Kubernetes API: GET, replace `spec.rules` and the versions
 * annotation, PUT with the read `resourceVersion` (optimistic concurrency; a 409 re-reads and
 * retries). Read-back is a fresh GET of the route as the API server stores it.
 */
export function createGatewayApiProvider(input: GatewayApiOptions): TrafficProvider {
  const o = parseInput(gatewayApiOptionsSchema, input, 'gatewayApi');
  if (typeof o.connection === 'string')
    throw TrafficProviderRejected(
      `connection "${o.connection}" is a name: the operator configuration resolves it before the provider is built`,
    );
  const kube = createKubeClient(o.connection ?? inClusterConnection());
  const path = `/apis/gateway.networking.k8s.io/${o.apiVersion}/namespaces/${o.namespace}/httproutes/${o.route}`;
  const where = `HTTPRoute ${o.namespace}/${o.route}`;

  const get = async () => {
    const res = await kube.request('GET', path);
    if (res.status === 404) throw TrafficProviderRejected(`${where} does not exist; create it first`);
    if (res.status !== 200)
      throw TrafficProviderRejected(`reading ${where} failed: ${res.status} ${kube.describe(res)}`);
    const parsed = httpRouteSchema.safeParse(res.body);
    if (!parsed.success)
      throw TrafficProviderRejected(`${where} is not an HTTPRoute: ${parsed.error.message}`);
    return parsed.data;
  };

  const plane: DataPlane = {
    name: 'gateway-api',
    capabilities: GATEWAY_API_CAPABILITIES,
    read: async () => trafficFromRoute(await get(), o.namespace),
    validate: (next) => {
      rulesForTraffic(next, o.pathPrefix); // throws VALIDATION_FAILED for a URL that is not a Service
    },
    apply: async (next) => {
      const rules = rulesForTraffic(next, o.pathPrefix);
      for (let attempt = 0; ; attempt++) {
        const route = await get();
        const updated = {
          ...route,
          metadata: {
            ...route.metadata,
            annotations: {
              ...route.metadata.annotations,
              [VERSIONS_ANNOTATION]: JSON.stringify(next.backends),
            },
          },
          spec: { ...route.spec, rules },
        };
        const res = await kube.request('PUT', path, updated);
        if (res.status === 200 || res.status === 201) return;
        if (res.status === 409 && attempt < o.conflictRetries) continue;
        throw TrafficProviderRejected(`writing ${where} failed: ${res.status} ${kube.describe(res)}`);
      }
    },
    close: async () => kube.close(),
  };
  return createTrafficProvider(plane);
}
