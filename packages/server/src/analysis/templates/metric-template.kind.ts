/**
 * The MetricTemplate kind: what a metric name of a plan or canary reads (see
 * `metric-template.schema.ts`). Not in an environment (Flagger's `metadata.namespace` is
 * ignored). A Flagger document (`apiVersion: flagger.app/v1beta1`) applies unchanged. Writing
 * one with a provider `address` or `secretRef` is an admin's call: it points the control plane
 * at another system, with credentials.
 */
import { type FieldError, Forbidden } from '@sluice/core';
import { scopesGrant } from '@sluice/core/auth';
import type { KindContext, KindDefinition } from '../../resources/kind.js';
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
 * The one rule for who writes a template: anyone with `write` for the query, an admin for a
 * provider address or secretRef (endpoints and credentials are operator configuration).
 * Kept in one function so a central "what a write needs" mechanism can take it over.
 */
export function assertMetricTemplateWriter(
  ctx: Pick<KindContext, 'scopes'>,
  name: string,
  spec: MetricTemplateSpec,
): void {
  const fields = [
    spec.provider.address ? 'provider.address' : null,
    spec.provider.secretRef ? 'provider.secretRef' : null,
  ].filter((f): f is string => f !== null);
  // no scopes: the system itself
  if (fields.length === 0 || ctx.scopes.length === 0 || scopesGrant(ctx.scopes, 'admin', null)) return;
  throw Forbidden(
    `MetricTemplate "${name}" sets ${fields.join(' and ')}, which point the control plane at another system; only admin tokens write them (templates without them use the operator's Prometheus)`,
    { extensions: { fields } },
  );
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
    recognise: recogniseFlagger,
    async check(ctx, template) {
      assertMetricTemplateWriter(ctx, template.name, template.spec);
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
