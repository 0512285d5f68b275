/**
 * The MetricTemplate spec: Flagger's fields (`provider.type|address|secretRef`, `query`), so a
 * Flagger MetricTemplate applies unchanged, plus what Sluice needs to judge a reading: its unit
 * and which direction is good. `query` means what the provider reads: PromQL for `prometheus`,
 * a JSONPath into the answer for `http`, a metric name for `builtin` and `events`.
 */
import { isDuration, parseDuration } from '@sluice/core/rollouts';
import { z } from 'zod';

/** The providers Sluice reads. */
export const SLUICE_PROVIDER_TYPES = ['builtin', 'events', 'prometheus', 'http'] as const;
/** Flagger's other providers: their templates apply (a peer accepts them), but Sluice cannot ask them. */
export const FLAGGER_ONLY_PROVIDER_TYPES = [
  'datadog',
  'cloudwatch',
  'newrelic',
  'graphite',
  'stackdriver',
  'influxdb',
  'dynatrace',
  'keptn',
  'splunk',
] as const;
const KNOWN_TYPES: readonly string[] = [...SLUICE_PROVIDER_TYPES, ...FLAGGER_ONLY_PROVIDER_TYPES];

/**
 * What a template's text may refer to: Sluice's names and Flagger's (`target` is Flagger's
 * `targetRef.name`, here the Service). `{{ interval }}` is the check's window as PromQL writes
 * it (`30s`, `5m`).
 */
export const TEMPLATE_VARIABLES = [
  'service',
  'target',
  'route',
  'version',
  'baseline',
  'namespace',
  'environment',
  'interval',
  'stage',
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** `{{ name }}` with any spacing, as Flagger writes it. */
export const VARIABLE_PATTERN = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g;

/** The variables a text uses that Sluice does not know, in order of first use. */
export function unknownVariables(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(VARIABLE_PATTERN))
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(m[1] as string)) out.add(m[1] as string);
  return [...out];
}

const positiveDuration = z
  .string()
  .refine(isDuration, { message: 'must be a duration such as 15s, 1m or 2h' })
  .refine((v) => !isDuration(v) || parseDuration(v) > 0, { message: 'must be longer than zero' });

export const metricProviderSchema = z
  .strictObject({
    type: z
      .string()
      .refine((t) => KNOWN_TYPES.includes(t), {
        message: `unknown provider type; Sluice reads ${SLUICE_PROVIDER_TYPES.join(', ')} (and accepts Flagger's ${FLAGGER_ONLY_PROVIDER_TYPES.join(', ')})`,
      })
      .describe('builtin, events, prometheus, http (Flagger’s other types apply but cannot be read)'),
    address: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .max(2048)
      .optional()
      .describe(
        'prometheus: the server (default: the operator’s --prometheus-url); http: the endpoint, {{ variables }} allowed',
      ),
    secretRef: z
      .strictObject({
        name: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,126}$/, 'a secret name: letters, digits, "_", "." and "-"'),
      })
      .optional()
      .describe(
        'Flagger’s form; the secret PROM_AUTH for name prom-auth, holding {"username","password"}, {"token"} or {"headers"}',
      ),
    insecureSkipVerify: z.boolean().optional().describe('accepted for Flagger; Sluice always verifies TLS'),
    region: z.string().max(64).optional().describe('accepted for Flagger (cloudwatch)'),
  })
  .meta({ id: 'MetricTemplateProvider' });

export const metricTemplateSpecSchema = z
  .strictObject({
    provider: metricProviderSchema,
    query: z
      .string()
      .min(1)
      .max(20_000)
      .describe('PromQL (prometheus), a JSONPath into the answer (http), a metric name (builtin, events)'),
    unit: z.string().min(1).max(16).optional().describe('of the value and thresholds: %, s, ms, req/s…'),
    better: z.enum(['higher', 'lower']).optional().describe('which way a value is better'),
    samplesQuery: z
      .string()
      .min(1)
      .max(20_000)
      .optional()
      .describe(
        'how many samples stand behind the value (requests in the window): PromQL, or a JSONPath for http; without it a reading is one sample',
      ),
    range: z
      .strictObject({
        step: positiveDuration.describe('resolution of the range query'),
        reduce: z.enum(['mean', 'min', 'max', 'last']).default('mean'),
      })
      .optional()
      .describe('prometheus: ask a range query over the window and reduce its points to one value'),
    body: z
      .string()
      .max(20_000)
      .optional()
      .describe('http: a request body, {{ variables }} allowed (sent as POST with JSON content type)'),
  })
  .superRefine((spec, ctx) => {
    const type = spec.provider.type;
    for (const [field, text] of [
      ['query', spec.query],
      ['samplesQuery', spec.samplesQuery],
      ['body', spec.body],
      ['provider.address', spec.provider.address],
    ] as const) {
      const unknown = text === undefined ? [] : unknownVariables(text);
      if (unknown.length)
        ctx.addIssue({
          code: 'custom',
          path: field.split('.'),
          message: `unknown template variable${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `{{ ${u} }}`).join(', ')}; known: ${TEMPLATE_VARIABLES.join(', ')}`,
        });
    }
    if (type === 'http' && !spec.provider.address)
      ctx.addIssue({
        code: 'custom',
        path: ['provider', 'address'],
        message: 'an http template needs the endpoint address',
      });
    if (spec.range && type !== 'prometheus')
      ctx.addIssue({
        code: 'custom',
        path: ['range'],
        message: 'range queries are for prometheus templates',
      });
    if (spec.body !== undefined && type !== 'http')
      ctx.addIssue({ code: 'custom', path: ['body'], message: 'a request body is for http templates' });
    if ((type === 'builtin' || type === 'events') && (spec.provider.address || spec.provider.secretRef))
      ctx.addIssue({
        code: 'custom',
        path: ['provider'],
        message: `the ${type} provider is Sluice itself: it takes no address or secretRef`,
      });
  })
  .meta({ id: 'MetricTemplateSpec' });
export type MetricTemplateSpec = z.infer<typeof metricTemplateSpecSchema>;
export type MetricTemplateSpecInput = z.input<typeof metricTemplateSpecSchema>;

/** A template with its name, as resolved for one metric of a plan. */
export interface NamedTemplate {
  name: string;
  spec: MetricTemplateSpec;
  /** `builtin` for Sluice's own catalogue, `resource` for a stored MetricTemplate. */
  origin: 'builtin' | 'resource';
}

/** Secret names in specs follow Kubernetes (`prom-auth`); Sluice's secrets are upper-case (`PROM_AUTH`). */
export function secretNameOf(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}
