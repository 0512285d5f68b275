/**
 * A metric name of a plan or canary → the template it reads. There is no global name→provider
 * table: each plan says (its `metric_templates`, a canary's `templateRef`), so a Prometheus
 * `error_rate` in one plan and the router's in another coexist. In order: the plan's mapping
 * (a MetricTemplate's name, or `{provider: prometheus | builtin}` for a built-in), then the
 * built-in of that name, then a MetricTemplate of that name.
 */
import type { WebhookCheck } from '@sluice/core/rollouts';
import { BUILTIN_TEMPLATE_NAMES, builtinOnPrometheus, builtinTemplate } from './builtin-templates.js';
import type { MetricTemplateSpec, NamedTemplate } from './metric-template.schema.js';

/**
 * What a plan writes for one metric: a MetricTemplate's name, where a built-in reads, or a
 * webhook the run calls instead of reading (`rollouts/webhooks.ts`; never a template).
 */
export type TemplateChoice = string | { provider: 'builtin' | 'prometheus' } | { webhook: WebhookCheck };

export function isWebhookChoice(choice: TemplateChoice | undefined): choice is { webhook: WebhookCheck } {
  return typeof choice === 'object' && 'webhook' in choice;
}

/** Stored MetricTemplates by name (the resources), and their names for messages. */
export interface TemplateLookup {
  get(name: string): Promise<MetricTemplateSpec | null>;
  names(): Promise<string[]>;
}

export type Resolution = { ok: true; template: NamedTemplate } | { ok: false; reason: string };

export async function resolveMetric(
  metric: string,
  mapping: Readonly<Record<string, TemplateChoice>> | undefined,
  lookup: TemplateLookup,
): Promise<Resolution> {
  const choice = mapping?.[metric];
  if (typeof choice === 'string') {
    const spec = await lookup.get(choice);
    if (spec) return { ok: true, template: { name: choice, spec, origin: 'resource' } };
    return {
      ok: false,
      reason: `metric "${metric}" names MetricTemplate "${choice}", which does not exist; known templates: ${(await lookup.names()).join(', ') || 'none'}`,
    };
  }
  if (isWebhookChoice(choice))
    return { ok: false, reason: `"${metric}" is a webhook the run calls, not a metric a provider reads` };
  if (choice) {
    const template = choice.provider === 'prometheus' ? builtinOnPrometheus(metric) : builtinTemplate(metric);
    if (template) return { ok: true, template };
    const can = BUILTIN_TEMPLATE_NAMES.filter((n) =>
      choice.provider === 'prometheus' ? builtinOnPrometheus(n) : true,
    );
    return {
      ok: false,
      reason: `"${metric}" is not a built-in that reads from ${choice.provider}; those are ${can.join(', ')}`,
    };
  }
  const builtin = builtinTemplate(metric);
  if (builtin) return { ok: true, template: builtin };
  const spec = await lookup.get(metric);
  if (spec) return { ok: true, template: { name: metric, spec, origin: 'resource' } };
  return { ok: false, reason: `unknown metric "${metric}"; known: ${(await knownNames(lookup)).join(', ')}` };
}

/** Built-ins and stored templates, sorted, for messages. */
export async function knownNames(lookup: TemplateLookup): Promise<string[]> {
  return [...new Set([...BUILTIN_TEMPLATE_NAMES, ...(await lookup.names())])].sort();
}

/** A lookup over a fixed set (tests, offline validation). */
export function staticLookup(templates: Readonly<Record<string, MetricTemplateSpec>> = {}): TemplateLookup {
  return {
    get: async (name) => templates[name] ?? null,
    names: async () => Object.keys(templates).sort(),
  };
}
