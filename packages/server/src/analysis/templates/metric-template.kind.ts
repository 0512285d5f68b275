/**
 * The MetricTemplate kind: what a metric name of a plan or canary reads (see
 * `metric-template.schema.ts`). Not in an environment (Flagger's `metadata.namespace` is
 * ignored). A Flagger document (`apiVersion: flagger.app/v1beta1`) applies unchanged. Writing
 * one with a provider `address` or `secretRef` is an admin's call (`metricTemplateHostReach`): it
 * points the control plane at another system, with credentials.
 */
import type { FieldError } from '@sluice/core';
import type { HostReach } from '../../authority/write-needs.js';
import type { KindDefinition } from '../../resources/kind.js';
import { jsonPathProblem } from '../providers/http.provider.js';
import type { MetricQuery } from '../providers/metric-provider.js';
import { BUILTIN_TEMPLATE_NAMES } from './builtin-templates.js';
import {
  FLAGGER_ONLY_PROVIDER_TYPES,
  type MetricTemplateSpec,
  metricTemplateSpecSchema,
} from './metric-template.schema.js';

/** Asks Prometheus whether PromQL parses (`PrometheusMetricProvider.validate`). */
export interface PromqlChecker {
  validate(
    spec: MetricTemplateSpec,
    sample: MetricQuery,
  ): Promise<{ refused: string } | { unchecked: string } | null>;
}

/**
 * What reaches another system: the provider's address and its credentials. Changing either needs
 * `admin` (`authority/write-needs.ts`); a template without them reads the operator's Prometheus.
 */
export function metricTemplateHostReach(spec: MetricTemplateSpec): HostReach[] {
  const out: HostReach[] = [];
  if (spec.provider.address !== undefined)
    out.push({
      path: 'provider.address',
      value: spec.provider.address,
      why: 'a metrics provider endpoint is operator configuration; leave it out to read SLUICE_PROMETHEUS_URL',
    });
  if (spec.provider.secretRef !== undefined)
    out.push({
      path: 'provider.secretRef',
      value: spec.provider.secretRef,
      why: 'credentials for another system are operator configuration',
    });
  return out;
}

/** What a template's text is filled with when Prometheus is asked to parse it at apply. */
function sampleQuery(now: Date): MetricQuery {
  return {
    metric: 'apply_check',
    route: 'apply-check',
    service: 'apply-check',
    version: 'v0',
    baselineVersion: 'v0',
    environment: 'apply-check',
    stage: 'apply-check',
    windowMs: 60_000,
    now,
  };
}

function recogniseFlagger(doc: Record<string, unknown>) {
  if (
    doc.kind !== 'MetricTemplate' ||
    typeof doc.apiVersion !== 'string' ||
    !doc.apiVersion.startsWith('flagger.app/')
  )
    return null;
  const metadata = (doc.metadata ?? {}) as { name?: unknown };
  return [{ name: typeof metadata.name === 'string' ? metadata.name : '', spec: doc.spec }];
}

export function metricTemplateKind(checker?: PromqlChecker): KindDefinition<MetricTemplateSpec> {
  // `check` and `warn` of one write both want the verdict: ask Prometheus once
  let last: { key: string; verdict: ReturnType<PromqlChecker['validate']> } | null = null;
  const promql = checker && {
    validate(spec: MetricTemplateSpec, sample: MetricQuery) {
      const key = JSON.stringify(spec);
      if (last?.key !== key) last = { key, verdict: checker.validate(spec, sample) };
      return last.verdict;
    },
  };
  return {
    kind: 'MetricTemplate',
    plural: 'metric-templates',
    aliases: ['metric-template', 'metrictemplate'],
    environmentScoped: false,
    spec: metricTemplateSpecSchema,
    applyOrder: 5,
    hostReach: metricTemplateHostReach,
    recognise: recogniseFlagger,
    async check(ctx, template) {
      const problems: FieldError[] = [];
      const { spec } = template;
      if (spec.provider.type === 'http')
        for (const field of ['query', 'samplesQuery'] as const) {
          const text = spec[field];
          const problem = text === undefined ? null : jsonPathProblem(text);
          if (problem) problems.push({ path: `spec.${field}`, message: `not a JSONPath: ${problem}` });
        }
      if (spec.provider.type === 'prometheus' && promql) {
        const verdict = await promql.validate(spec, sampleQuery(ctx.now));
        if (verdict && 'refused' in verdict) problems.push({ path: 'spec.query', message: verdict.refused });
      }
      return problems;
    },
    async warn(ctx, template) {
      const { spec, name } = template;
      const out: string[] = [];
      if ((FLAGGER_ONLY_PROVIDER_TYPES as readonly string[]).includes(spec.provider.type))
        out.push(
          `MetricTemplate "${name}": Sluice does not read ${spec.provider.type}; checks using it stay inconclusive (Sluice reads builtin, events, prometheus, http)`,
        );
      if (spec.provider.insecureSkipVerify)
        out.push(`MetricTemplate "${name}": provider.insecureSkipVerify is ignored; TLS is always verified`);
      if (BUILTIN_TEMPLATE_NAMES.includes(name))
        out.push(
          `MetricTemplate "${name}" has a built-in's name: plans still read the built-in unless metric_templates maps the metric to this template`,
        );
      if (spec.provider.type === 'prometheus') {
        const verdict = promql
          ? await promql.validate(spec, sampleQuery(ctx.now))
          : { unchecked: 'checked only by a running server' };
        if (verdict && 'unchecked' in verdict)
          out.push(`MetricTemplate "${name}": the PromQL was not checked (${verdict.unchecked})`);
      }
      return out;
    },
  };
}
