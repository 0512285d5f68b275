/**
 * Apply-time checks of the metrics a plan names: each must resolve to a template (an unknown
 * name is refused, naming the stage, the metric and the known names), and a threshold of 10 or
 * more on a metric in seconds gets a unit warning. Also a lookup of stored MetricTemplates for
 * a write transaction.
 */
import type { FieldError } from '@sluice/core';
import { normalizeThresholds, type ThresholdMap } from '@sluice/core/analysis';
import type { Plan } from '@sluice/core/rollouts';
import { createResourceStore } from '../../resources/resource-store.kysely.js';
import type { Executor } from '../../storage/index.js';
import { unitWarning } from './builtin-templates.js';
import type { MetricTemplateSpec } from './metric-template.schema.js';
import { isWebhookChoice, resolveMetric, type TemplateLookup } from './resolve.js';

/** One metric a stage reads, where it is written, and the bounds it is held to. */
export interface MetricUse {
  stage: string;
  path: string;
  metric: string;
  bounds: number[];
}

/** Every `thresholds` map and `metrics` list under a stage's gates and config. */
export function metricUses(plan: Plan): MetricUse[] {
  const out: MetricUse[] = [];
  plan.stages.forEach((stage, i) => {
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) {
        for (const [k, child] of node.entries()) walk(child, `${path}[${k}]`);
        return;
      }
      if (!node || typeof node !== 'object') return;
      const obj = node as Record<string, unknown>;
      const metrics = Array.isArray(obj.metrics) ? obj.metrics.filter((m) => typeof m === 'string') : [];
      const map =
        obj.thresholds && typeof obj.thresholds === 'object' ? (obj.thresholds as ThresholdMap) : undefined;
      if (map || metrics.length)
        for (const t of normalizeThresholds(map, metrics)) {
          const key = [t.metric, `max_${t.metric}`, `min_${t.metric}`].find((k) => map && k in map);
          out.push({
            stage: stage.name,
            path: key ? `${path}.thresholds.${key}` : `${path}.metrics`,
            metric: t.metric,
            bounds: [t.min, t.max].filter((b): b is number => b !== undefined),
          });
        }
      for (const [k, v] of Object.entries(obj))
        if (k !== 'thresholds' && k !== 'metrics') walk(v, `${path}.${k}`);
    };
    walk(stage.gates, `stages[${i}].gates`);
    walk(stage.config, `stages[${i}].config`);
  });
  return out;
}

export async function checkPlanMetrics(
  plan: Plan,
  lookup: TemplateLookup,
): Promise<{ errors: FieldError[]; warnings: string[] }> {
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  // a webhook check is a call the run makes (checked by the plan's schema), not a reading
  const called = (metric: string) => isWebhookChoice(plan.metric_templates?.[metric]);
  for (const metric of Object.keys(plan.metric_templates ?? {})) {
    if (called(metric)) continue;
    const r = await resolveMetric(metric, plan.metric_templates, lookup);
    if (!r.ok) errors.push({ path: `metric_templates.${metric}`, message: r.reason });
  }
  const seen = new Set<string>();
  for (const use of metricUses(plan)) {
    if (called(use.metric)) continue;
    const r = await resolveMetric(use.metric, plan.metric_templates, lookup);
    if (!r.ok) {
      errors.push({ path: use.path, message: `stage "${use.stage}": ${r.reason}` });
      continue;
    }
    for (const bound of use.bounds) {
      const warning = unitWarning(use.metric, r.template, bound);
      if (warning && !seen.has(`${use.path}:${bound}`)) {
        seen.add(`${use.path}:${bound}`);
        warnings.push(`stage "${use.stage}", ${use.path}: ${warning}`);
      }
    }
  }
  return { errors, warnings };
}

/** Stored MetricTemplates as seen inside a write (an apply that writes both sees its own). */
export function storedTemplates(trx: Executor): TemplateLookup {
  const store = createResourceStore(trx);
  return {
    async get(name) {
      const found = await store.get('MetricTemplate', null, name);
      return found ? (found.spec as MetricTemplateSpec) : null;
    },
    async names() {
      const out: string[] = [];
      for (;;) {
        const page = await store.list('MetricTemplate', null, { limit: 500, cursor: out.at(-1) });
        out.push(...page.map((r) => r.metadata.name));
        if (page.length < 500 || out.length >= 5000) return out;
      }
    },
  };
}
