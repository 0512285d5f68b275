/**
 * `kubernetes`: one Deployment per version (`{service}-{version}` by default), created by the
 * user's manifests or Helm chart, scaled by Sluice: `deploy` scales it up to `replicas`,
 * `retire` down to zero, through the Deployment's `scale` subresource with optimistic
 * concurrency. Ready means the Deployment controller says so (updated and available replicas
 * of the current generation), i.e. the pods' readiness probes are the health check.
 */
import { isSluiceError } from '@sluice/core/errors';
import { z } from 'zod';
import { type OperatorConnection, operatorEntry, operatorNameSchema } from '../operator/operator-config.js';
import { type SecretResolver, secretRefSchema } from '../secrets/index.js';
import {
  createKubeClient,
  inClusterConnection,
  type KubeClient,
  type KubeConnection,
  type KubeResponse,
} from '../traffic/kube-client.js';
import { DeployFailed, DeployProviderUnavailable } from './errors.js';
import {
  DEFAULT_HEALTH_CHECK,
  type Deployment,
  deployRequestSchema,
  fillTemplate,
  type HealthCheck,
  parseInput,
  retireRequestSchema,
  versionNameSchema,
} from './model.js';
import type { DeployProvider } from './provider.js';
import { waitUntilReady } from './wait.js';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS label: lower-case letters, digits, "-"');
const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export const kubernetesDeploySchema = z.strictObject({
  provider: z.literal('kubernetes'),
  /**
   * API server: the name of a connection in the operator configuration (SLUICE_CONFIG), or
   * (admin only) `{server, token: {secretRef}}`; omitted means in-cluster (the pod's service
   * account). Token and CA files are operator configuration only: they are read from the
   * control plane's disk.
   */
  connection: z
    .union([
      operatorNameSchema,
      z.strictObject({
        server: z.url({ protocol: /^https?$/ }),
        token: secretRefSchema.optional(),
        timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      }),
    ])
    .optional(),
  namespace: dnsLabel,
  /** Name of a version's Deployment. */
  deployment: z
    .string()
    .refine((t) => t.includes('{version}'), 'must contain {version}')
    .default('{service}-{version}'),
  replicas: z.number().int().min(1).max(1000).default(1),
  /** A version's upstream, usually its Service's cluster DNS name. */
  upstream: z.string().default('http://{deployment}.{namespace}.svc:80'),
  /** Default bound of `waitReady`. */
  readyTimeoutSeconds: z.number().positive().max(3600).default(600),
  /** Writes retried when someone else changed the scale meanwhile (409). */
  conflictRetries: z.number().int().min(0).max(10).default(3),
});
export type KubernetesDeploySpec = z.input<typeof kubernetesDeploySchema>;

/** The parts of a Deployment this provider reads. */
const deploymentObjectSchema = z.object({
  metadata: z.object({ name: z.string(), generation: z.number().optional() }),
  spec: z
    .object({
      replicas: z.number().int().optional(),
      template: z
        .object({
          spec: z.object({ containers: z.array(z.object({ image: z.string().optional() })) }).optional(),
        })
        .optional(),
    })
    .optional(),
  status: z
    .object({
      observedGeneration: z.number().optional(),
      replicas: z.number().optional(),
      updatedReplicas: z.number().optional(),
      readyReplicas: z.number().optional(),
      availableReplicas: z.number().optional(),
      conditions: z
        .array(
          z.object({
            type: z.string(),
            status: z.string(),
            reason: z.string().optional(),
            message: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});
type DeploymentObject = z.infer<typeof deploymentObjectSchema>;
const scaleSchema = z.object({
  metadata: z.object({ resourceVersion: z.string().optional() }).passthrough(),
  spec: z.object({ replicas: z.number().int().optional() }).optional(),
});

export interface KubernetesDeployDeps {
  service: string;
  /** The Service's environment: an operator connection may be limited to some. */
  environment?: string;
  /** The operator's named connections (SLUICE_CONFIG `connections`). */
  connections?: Record<string, OperatorConnection>;
  secrets?: Pick<SecretResolver, 'resolve'>;
  healthCheck?: HealthCheck;
}

/** Kubernetes client failures come typed for traffic; here they are deploy failures. */
function asDeployError(err: unknown): unknown {
  if (isSluiceError(err, 'TRAFFIC_PROVIDER_UNAVAILABLE'))
    return DeployProviderUnavailable(err.detail, { cause: err });
  if (isSluiceError(err, 'TRAFFIC_PROVIDER_REJECTED')) return DeployFailed(err.detail, { cause: err });
  return err;
}

export function createKubernetesProvider(
  spec: KubernetesDeploySpec,
  deps: KubernetesDeployDeps,
): DeployProvider {
  const o = parseInput(kubernetesDeploySchema, spec, 'deploy');
  const healthCheck = deps.healthCheck ?? DEFAULT_HEALTH_CHECK;
  const named =
    typeof o.connection === 'string'
      ? operatorEntry(
          deps.connections ?? {},
          'connection',
          o.connection,
          deps.environment,
          'deploy.connection',
        )
      : null;
  const given = named ?? (typeof o.connection === 'object' ? o.connection : undefined);
  const tokenRef = given?.token;
  if (tokenRef && !deps.secrets)
    throw new Error('the kubernetes deploy provider needs a secret resolver for connection.token');
  let connection: KubeConnection;
  try {
    connection = given
      ? {
          server: given.server,
          timeoutMs: given.timeoutMs,
          ...(named?.tokenFile ? { tokenFile: named.tokenFile } : {}),
          ...(named?.caFile ? { caFile: named.caFile } : {}),
          ...(named?.ca ? { ca: named.ca } : {}),
        }
      : inClusterConnection();
  } catch (err) {
    throw asDeployError(err);
  }
  // The token secret is read on every call; a rotated one gets a fresh client (and connections).
  let current: { token: string | undefined; kube: KubeClient } | null = null;
  const client = (): KubeClient => {
    const token = tokenRef && deps.secrets ? deps.secrets.resolve(tokenRef) : undefined;
    if (current === null || current.token !== token) {
      current?.kube.close();
      current = { token, kube: createKubeClient({ ...connection, ...(token ? { token } : {}) }) };
    }
    return current.kube;
  };
  const call = (method: 'GET' | 'PUT', path: string, body?: unknown) =>
    Promise.resolve()
      .then(() => client().request(method, path, body))
      .catch((err: unknown) => {
        throw asDeployError(err);
      });
  /** The message of a Kubernetes `Status` answer, for error details. */
  const describeResponse = (res: KubeResponse): string => {
    const b = res.body;
    if (b && typeof b === 'object' && 'message' in b) return String((b as { message: unknown }).message);
    return typeof b === 'string' ? b.slice(0, 300) : '';
  };
  const base = `/apis/apps/v1/namespaces/${o.namespace}/deployments`;

  const nameOf = (version: string): string => {
    const name = fillTemplate(o.deployment, { service: deps.service, version });
    if (name.length > 253 || !dnsSubdomain.test(name))
      throw DeployFailed(`Deployment name "${name}" for version ${version} is not a valid Kubernetes name`);
    return name;
  };

  const get = async (name: string): Promise<DeploymentObject | null> => {
    const res = await call('GET', `${base}/${name}`);
    if (res.status === 404) return null;
    if (res.status !== 200)
      throw DeployFailed(`reading Deployment ${o.namespace}/${name}: ${res.status} ${describeResponse(res)}`);
    const parsed = deploymentObjectSchema.safeParse(res.body);
    if (!parsed.success)
      throw DeployFailed(`${o.namespace}/${name} is not a Deployment: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  };

  const describe = (version: string, d: DeploymentObject): Deployment => {
    const name = d.metadata.name;
    const want = d.spec?.replicas ?? 1;
    const s = d.status ?? {};
    const upstream = fillTemplate(o.upstream, {
      deployment: name,
      namespace: o.namespace,
      service: deps.service,
      version,
    });
    const base = {
      version,
      opId: null,
      upstreams: [upstream],
      info: { deployment: name, replicas: want, readyReplicas: s.readyReplicas ?? 0 },
    };
    if (want === 0) return { ...base, state: 'retired' };
    const stuck = s.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False');
    if (stuck)
      return {
        ...base,
        state: 'failed',
        detail: `${stuck.reason ?? 'not progressing'}: ${stuck.message ?? ''}`.trim(),
      };
    const current = (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
    const ready = current && (s.updatedReplicas ?? 0) >= want && (s.availableReplicas ?? 0) >= want;
    return ready
      ? { ...base, state: 'ready' }
      : { ...base, state: 'starting', detail: `${s.availableReplicas ?? 0}/${want} replicas available` };
  };

  const scaleTo = async (name: string, replicas: number): Promise<void> => {
    const path = `${base}/${name}/scale`;
    for (let attempt = 0; ; attempt++) {
      const res = await call('GET', path);
      if (res.status !== 200)
        throw DeployFailed(`reading ${o.namespace}/${name}/scale: ${res.status} ${describeResponse(res)}`);
      const scale = scaleSchema.parse(res.body);
      if (scale.spec?.replicas === replicas) return;
      const put = await call('PUT', path, {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name, namespace: o.namespace, resourceVersion: scale.metadata.resourceVersion },
        spec: { replicas },
      });
      if (put.status === 200 || put.status === 201) return;
      if (put.status !== 409 || attempt >= o.conflictRetries)
        throw DeployFailed(
          `scaling ${o.namespace}/${name} to ${replicas}: ${put.status} ${describeResponse(put)}`,
        );
    }
  };

  const status = async (version: string): Promise<Deployment | null> => {
    const v = parseInput(versionNameSchema, version, 'version');
    const d = await get(nameOf(v));
    return d ? describe(v, d) : null;
  };

  return {
    name: 'kubernetes',

    async deploy(request) {
      const r = parseInput(deployRequestSchema, request, 'request');
      const name = nameOf(r.version);
      const d = await get(name);
      if (!d)
        throw DeployFailed(
          `Deployment ${o.namespace}/${name} does not exist: create it (replicas 0 is fine) before the rollout`,
        );
      const images = (d.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '');
      if (r.image && !images.some((i) => i === r.image || i.endsWith(`/${r.image}`)))
        throw DeployFailed(
          `Deployment ${o.namespace}/${name} runs ${images.join(', ') || 'no image'}, not ${r.image}`,
        );
      await scaleTo(name, o.replicas);
      const after = await get(name);
      const result = describe(r.version, after ?? d);
      if (result.state === 'failed')
        throw DeployFailed(`version ${r.version}: ${result.detail}`, { extensions: { deployment: result } });
      return result;
    },

    status,

    waitReady: (version, options) =>
      waitUntilReady(status, version, options, { timeoutMs: o.readyTimeoutSeconds * 1000, healthCheck }),

    async retire(request) {
      const r = parseInput(retireRequestSchema, request, 'request');
      const name = nameOf(r.version);
      if (!(await get(name))) return null;
      await scaleTo(name, 0);
      const after = await get(name);
      return after ? describe(r.version, after) : null;
    },

    async list() {
      const res = await call('GET', base);
      if (res.status !== 200)
        throw DeployFailed(`listing Deployments in ${o.namespace}: ${res.status} ${describeResponse(res)}`);
      const items = z.object({ items: z.array(deploymentObjectSchema) }).parse(res.body).items;
      const [before, after] = fillTemplate(o.deployment, { service: deps.service }).split('{version}') as [
        string,
        string,
      ];
      const out: Deployment[] = [];
      for (const item of items) {
        const n = item.metadata.name;
        if (!n.startsWith(before) || !n.endsWith(after) || n.length <= before.length + after.length) continue;
        const version = n.slice(before.length, n.length - after.length);
        if (!versionNameSchema.safeParse(version).success) continue;
        const d = describe(version, item);
        if (d.state !== 'retired') out.push(d);
      }
      return out;
    },

    async close() {
      current?.kube.close();
      current = null;
    },
  };
}
