/**
 * `webhook`: the user's own deploy system does the work. Sluice POSTs a signed JSON request
 * (`deploy` / `retire`) to a URL kept in a secret, then polls a status URL until the version
 * is ready. The protocol (README.md of this folder) is small enough to put in front of any CD
 * tool: an `Idempotency-Key` of the operation id, and one status document per version.
 */
import { z } from 'zod';
import { type SecretRef, type SecretResolver, secretRefSchema } from '../secrets/index.js';
import { DeployFailed, DeployOperationConflict, DeployProviderUnavailable } from './errors.js';
import {
  DEFAULT_HEALTH_CHECK,
  type Deployment,
  deployRequestSchema,
  fillTemplate,
  type HealthCheck,
  opIdSchema,
  parseInput,
  retireRequestSchema,
  upstreamUrlSchema,
  versionNameSchema,
} from './model.js';
import type { DeployProvider } from './provider.js';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from './signature.js';
import { waitUntilReady } from './wait.js';

const httpTemplate = (placeholder: string | null) =>
  z
    .string()
    .refine((t) => placeholder === null || t.includes(placeholder), `must contain ${placeholder}`)
    .refine(
      (t) =>
        upstreamUrlSchema.safeParse(fillTemplate(t, { version: 'v', service: 's', environment: 'e' }))
          .success,
      'must give an http(s) URL',
    );

export const webhookDeploySchema = z.strictObject({
  provider: z.literal('webhook'),
  /** Where deploy and retire requests are POSTed; a secret because such URLs often carry a token. */
  url: secretRefSchema,
  /** HMAC-SHA256 key for `X-Sluice-Signature`. */
  signingSecret: secretRefSchema,
  /** The status document of one version: `https://cd.example.com/sluice/{service}/{version}`. */
  statusUrl: httpTemplate('{version}'),
  /** Every version the system runs for this service: `{deployments: [status document…]}`. */
  listUrl: httpTemplate(null),
  /** Bound of one HTTP request. */
  requestTimeoutSeconds: z.number().positive().max(120).default(10),
  /** Default bound of `waitReady`. */
  readyTimeoutSeconds: z.number().positive().max(3600).default(600),
});
export type WebhookDeploySpec = z.input<typeof webhookDeploySchema>;

/** What the deploy system answers for a version (`pending` is read as `starting`). */
export const webhookStatusSchema = z.object({
  version: z.string().optional(),
  state: z.enum(['pending', 'starting', 'ready', 'unhealthy', 'failed', 'retired']),
  upstreams: z.array(upstreamUrlSchema).max(64).default([]),
  opId: opIdSchema.optional(),
  detail: z.string().max(2000).optional(),
});

const listSchema = z.object({
  deployments: z.array(webhookStatusSchema.extend({ version: versionNameSchema })),
});

export interface WebhookDeployDeps {
  service: string;
  environment?: string;
  secrets: Pick<SecretResolver, 'resolve'>;
  healthCheck?: HealthCheck;
  /** Epoch milliseconds (signature timestamps). */
  now?: () => number;
}

export function createWebhookProvider(spec: WebhookDeploySpec, deps: WebhookDeployDeps): DeployProvider {
  const o = parseInput(webhookDeploySchema, spec, 'deploy');
  const now = deps.now ?? (() => Date.now());
  const healthCheck = deps.healthCheck ?? DEFAULT_HEALTH_CHECK;
  const names = { service: deps.service, environment: deps.environment ?? '' };
  const secret = (ref: SecretRef) => deps.secrets.resolve(ref);

  /** One signed request; network failures, timeouts and 5xx are UNAVAILABLE. */
  const send = async (method: 'GET' | 'POST', url: string, payload?: object, opId?: string) => {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const timestamp = Math.floor(now() / 1000);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signBody(secret(o.signingSecret), timestamp, body),
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(opId ? { 'idempotency-key': opId } : {}),
        },
        ...(payload ? { body } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(o.requestTimeoutSeconds * 1000),
      });
    } catch (err) {
      const why = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw DeployProviderUnavailable(`${method} ${new URL(url).origin} failed: ${why}`, { cause: err });
    }
    const text = await res.text();
    if (res.status >= 500)
      throw DeployProviderUnavailable(`the deploy system answered ${res.status}: ${text.slice(0, 300)}`);
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      // Not JSON: callers look at the status code and quote the text.
    }
    return { status: res.status, json, text };
  };

  const toDeployment = (version: string, doc: z.output<typeof webhookStatusSchema>): Deployment => ({
    version,
    opId: doc.opId ?? null,
    state: doc.state === 'pending' ? 'starting' : doc.state,
    upstreams: doc.upstreams,
    info: {},
    ...(doc.detail ? { detail: doc.detail } : {}),
  });

  const parseDoc = <S extends z.ZodType>(schema: S, json: unknown, what: string): z.output<S> => {
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw DeployFailed(
      `the deploy system's ${what} is not valid at ${issue?.path.join('.') || '$'}: ${issue?.message}`,
    );
  };

  const status = async (version: string): Promise<Deployment | null> => {
    const v = parseInput(versionNameSchema, version, 'version');
    const res = await send('GET', fillTemplate(o.statusUrl, { ...names, version: v }));
    if (res.status === 404) return null;
    if (res.status !== 200)
      throw DeployFailed(
        `status of ${v}: the deploy system answered ${res.status}: ${res.text.slice(0, 300)}`,
      );
    return toDeployment(v, parseDoc(webhookStatusSchema, res.json, 'status document'));
  };

  const action = async (payload: Record<string, unknown>, opId: string) => {
    const res = await send(
      'POST',
      secret(o.url),
      { ...payload, service: deps.service, environment: deps.environment ?? null },
      opId,
    );
    if (res.status === 409)
      throw DeployOperationConflict(`the deploy system refused operation ${opId}: ${res.text.slice(0, 300)}`);
    return res;
  };

  return {
    name: 'webhook',

    async deploy(request) {
      const r = parseInput(deployRequestSchema, request, 'request');
      const res = await action(
        { action: 'deploy', opId: r.opId, version: r.version, image: r.image ?? null, env: r.env ?? {} },
        r.opId,
      );
      if (res.status < 200 || res.status > 299)
        throw DeployFailed(`the deploy system refused ${r.version}: ${res.status} ${res.text.slice(0, 300)}`);
      // The answer may already be the status document; otherwise ask for it.
      const immediate = webhookStatusSchema.safeParse(res.json);
      const d = immediate.success ? toDeployment(r.version, immediate.data) : await status(r.version);
      const result = d ?? {
        version: r.version,
        opId: r.opId,
        state: 'starting' as const,
        upstreams: [],
        info: {},
      };
      if (result.state === 'failed')
        throw DeployFailed(`version ${r.version}: ${result.detail ?? 'failed'}`, {
          extensions: { deployment: result },
        });
      return result;
    },

    status,

    waitReady: (version, options) =>
      waitUntilReady(status, version, options, { timeoutMs: o.readyTimeoutSeconds * 1000, healthCheck }),

    async retire(request) {
      const r = parseInput(retireRequestSchema, request, 'request');
      const res = await action({ action: 'retire', opId: r.opId, version: r.version }, r.opId);
      if (res.status === 404) return null;
      if (res.status < 200 || res.status > 299)
        throw DeployFailed(
          `the deploy system refused to retire ${r.version}: ${res.status} ${res.text.slice(0, 300)}`,
        );
      const after = await status(r.version);
      return after ?? { version: r.version, opId: null, state: 'retired', upstreams: [], info: {} };
    },

    async list() {
      const res = await send('GET', fillTemplate(o.listUrl, names));
      if (res.status !== 200)
        throw DeployFailed(`listing versions: the deploy system answered ${res.status}`);
      const doc = parseDoc(listSchema, res.json, 'version list');
      return doc.deployments.filter((d) => d.state !== 'retired').map((d) => toDeployment(d.version, d));
    },

    async close() {},
  };
}
