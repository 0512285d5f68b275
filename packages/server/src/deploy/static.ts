/**
 * `static`: versions that already run somewhere (started by hand, by another system); the
 * spec lists their upstream URLs, or a template for them. Nothing is started or stopped:
 * `deploy` checks that the version is known and `status` health-checks its upstreams.
 */
import { z } from 'zod';
import { DeployVersionUnknown } from './errors.js';
import { allHealthy } from './health.js';
import {
  DEFAULT_HEALTH_CHECK,
  type Deployment,
  deployRequestSchema,
  fillTemplate,
  type HealthCheck,
  parseInput,
  retireRequestSchema,
  upstreamUrlSchema,
  versionNameSchema,
} from './model.js';
import type { DeployProvider } from './provider.js';
import { waitUntilReady } from './wait.js';

export const staticDeploySchema = z
  .strictObject({
    provider: z.literal('static'),
    /** version → its upstream URLs. */
    upstreams: z.record(versionNameSchema, z.array(upstreamUrlSchema).min(1).max(64)).default({}),
    /** Upstream of any version not listed: `http://api-{version}.internal:8080`. */
    template: z
      .string()
      .refine((t) => t.includes('{version}'), 'must contain {version}')
      .refine(
        (t) => upstreamUrlSchema.safeParse(fillTemplate(t, { version: 'v' })).success,
        'must give an http(s) URL',
      )
      .optional(),
    /** Default bound of `waitReady`. */
    readyTimeoutSeconds: z.number().positive().max(3600).default(60),
  })
  .refine((s) => s.template !== undefined || Object.keys(s.upstreams).length > 0, {
    message: 'list upstreams for at least one version, or give a template',
    path: ['upstreams'],
  });
export type StaticDeploySpec = z.input<typeof staticDeploySchema>;

export interface StaticDeployDeps {
  healthCheck?: HealthCheck;
}

export function createStaticProvider(spec: StaticDeploySpec, deps: StaticDeployDeps = {}): DeployProvider {
  const o = parseInput(staticDeploySchema, spec, 'deploy');
  const healthCheck = deps.healthCheck ?? DEFAULT_HEALTH_CHECK;

  const upstreamsOf = (version: string): string[] | null =>
    o.upstreams[version] ?? (o.template ? [fillTemplate(o.template, { version })] : null);

  const describe = async (version: string): Promise<Deployment | null> => {
    const upstreams = upstreamsOf(version);
    if (upstreams === null) return null;
    const ready = await allHealthy(upstreams, healthCheck);
    return {
      version,
      opId: null,
      state: ready ? 'ready' : 'unhealthy',
      upstreams,
      info: { listed: version in o.upstreams },
      ...(ready ? {} : { detail: `GET ${healthCheck.endpoint} does not answer 2xx on every upstream` }),
    };
  };

  const status = async (version: string) => describe(parseInput(versionNameSchema, version, 'version'));

  return {
    name: 'static',

    async deploy(request) {
      const r = parseInput(deployRequestSchema, request, 'request');
      const d = await describe(r.version);
      if (d === null)
        throw DeployVersionUnknown(`the static provider lists no upstreams for version ${r.version}`, {
          fields: [
            {
              path: 'request.version',
              message: `not in deploy.upstreams: ${Object.keys(o.upstreams).join(', ')}`,
            },
          ],
        });
      return d;
    },

    status,

    waitReady: (version, options) =>
      waitUntilReady(status, version, options, { timeoutMs: o.readyTimeoutSeconds * 1000, healthCheck }),

    /** Static versions are not Sluice's to stop: retiring one only reports it (traffic is what moves). */
    async retire(request) {
      const r = parseInput(retireRequestSchema, request, 'request');
      return describe(r.version);
    },

    async list() {
      const all = await Promise.all(Object.keys(o.upstreams).map(describe));
      return all.filter((d): d is Deployment => d !== null);
    },

    async close() {},
  };
}
