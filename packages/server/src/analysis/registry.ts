/**
 * Asks the right provider for a metric. A metric of a plan resolves to a template
 * (`templates/resolve.ts`: the plan's own mapping, else a built-in, else a MetricTemplate of
 * that name); the template's `provider.type` picks the provider. `builtin` and `events` read
 * the template's `query` as their own metric name; the reading keeps the plan's name.
 */
import type { Measurement, MetricProvider, MetricQuery } from './providers/metric-provider.js';
import { inconclusive, messageOf } from './providers/readings.js';
import { BUILTIN_TEMPLATE_NAMES, builtinTemplate } from './templates/builtin-templates.js';
import type { NamedTemplate } from './templates/metric-template.schema.js';
import { render } from './templates/render.js';
import {
  type Resolution,
  resolveMetric,
  staticLookup,
  type TemplateChoice,
  type TemplateLookup,
} from './templates/resolve.js';

/** A plan's `metric_templates`: which template each of its metric names reads. */
export type TemplateMapping = Readonly<Record<string, TemplateChoice>>;

export class MetricRegistry {
  private readonly byType = new Map<string, MetricProvider>();

  /** Throws when two providers share a type: a wiring mistake, found at start. */
  constructor(
    providers: readonly MetricProvider[],
    private readonly lookup: TemplateLookup = staticLookup(),
  ) {
    for (const provider of providers) {
      if (this.byType.has(provider.type)) throw new Error(`two metric providers of type ${provider.type}`);
      this.byType.set(provider.type, provider);
    }
  }

  /** The built-in metric names, sorted (plans may name MetricTemplates too). */
  names(): string[] {
    return [...BUILTIN_TEMPLATE_NAMES];
  }

  has(metric: string): boolean {
    return builtinTemplate(metric) !== null;
  }

  /** The provider type a built-in metric reads, or null. */
  providerOf(metric: string): string | null {
    return builtinTemplate(metric)?.spec.provider.type ?? null;
  }

  /** The template `metric` reads under a plan's mapping, or why there is none. */
  resolve(metric: string, mapping?: TemplateMapping): Promise<Resolution> {
    return resolveMetric(metric, mapping, this.lookup);
  }

  /**
   * Measures one metric: with `query.template` as given, else resolved by name. An unknown
   * name, a provider Sluice does not have, or one that breaks its promise and throws gives an
   * error measurement rather than an exception.
   */
  async measure(query: MetricQuery, mapping?: TemplateMapping): Promise<Measurement> {
    const template = await this.templateOf(query, mapping);
    if (!template.ok) return inconclusive(query.metric, template.reason);
    return this.read(query, template.template);
  }

  /** Several metrics of one target in parallel, in the order asked. */
  async measureAll(
    metrics: readonly string[],
    query: Omit<MetricQuery, 'metric'>,
    mapping?: TemplateMapping,
  ): Promise<Measurement[]> {
    return (await this.check(metrics, query, mapping)).measurements;
  }

  /** Measures, and says what each reading asked (the PromQL, the URL…), for the stage's checks. */
  async check(
    metrics: readonly string[],
    query: Omit<MetricQuery, 'metric'>,
    mapping?: TemplateMapping,
  ): Promise<{ measurements: Measurement[]; queries: Record<string, string> }> {
    const queries: Record<string, string> = {};
    const measurements = await Promise.all(
      metrics.map(async (metric) => {
        const q = { ...query, metric };
        const template = await this.templateOf(q, mapping);
        if (!template.ok) {
          queries[metric] = 'no template';
          return inconclusive(metric, template.reason);
        }
        queries[metric] = describe(q, template.template);
        return this.read(q, template.template);
      }),
    );
    return { measurements, queries };
  }

  private async templateOf(query: MetricQuery, mapping?: TemplateMapping): Promise<Resolution> {
    if (query.template)
      return { ok: true, template: { name: query.metric, spec: query.template, origin: 'resource' } };
    return this.resolve(query.metric, mapping);
  }

  private async read(query: MetricQuery, template: NamedTemplate): Promise<Measurement> {
    const { spec } = template;
    const provider = this.byType.get(spec.provider.type);
    if (!provider)
      return inconclusive(
        query.metric,
        `template "${template.name}" reads ${spec.provider.type}, which Sluice cannot ask (it reads ${[...this.byType.keys()].join(', ')})`,
      );
    const native = spec.provider.type === 'builtin' || spec.provider.type === 'events';
    try {
      const m = await provider.measure({
        ...query,
        metric: native ? spec.query : query.metric,
        template: spec,
      });
      return m.metric === query.metric ? m : { ...m, metric: query.metric };
    } catch (error) {
      return inconclusive(query.metric, `${provider.type} provider failed: ${messageOf(error)}`);
    }
  }
}

/** What a reading asks, in one line: `prometheus: <PromQL>`, `builtin: error_rate of shop@v2`. */
export function describe(query: MetricQuery, template: NamedTemplate): string {
  const { spec } = template;
  const where = `${query.service ?? query.route ?? '?'}@${query.version}`;
  switch (spec.provider.type) {
    case 'prometheus':
      return `prometheus: ${render(spec.query, query, 'promql').replace(/\s+/g, ' ').trim()}`;
    case 'http':
      return `http: ${spec.query} of ${render(spec.provider.address ?? '', query, 'url').replace(/\?.*$/, '')}`;
    default:
      return `${spec.provider.type}: ${spec.query} of ${where}`;
  }
}
