/**
 * Fills a template's `{{ variables }}` from one metric query. PromQL gets the values as they
 * are (label values are quoted by the template's author, so they are escaped for a PromQL
 * string); URLs get them percent-encoded.
 */
import type { MetricQuery } from '../providers/metric-provider.js';
import { TEMPLATE_VARIABLES, type TemplateVariable, VARIABLE_PATTERN } from './metric-template.schema.js';

/** A window as PromQL writes durations: `30s`, `5m`, `2h`, `1500ms`. */
export function promDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${Math.round(ms)}ms`;
}

export function templateValues(q: MetricQuery): Record<TemplateVariable, string> {
  const service = q.service ?? q.route ?? '';
  return {
    service,
    target: service,
    route: q.route ?? service,
    version: q.version,
    baseline: q.baselineVersion ?? '',
    namespace: q.namespace ?? q.environment ?? '',
    environment: q.environment ?? '',
    interval: promDuration(q.windowMs),
    stage: q.stage ?? '',
  };
}

/** Escapes a value for a double-quoted PromQL string. */
const promString = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function render(text: string, q: MetricQuery, as: 'promql' | 'url' | 'json'): string {
  const values = templateValues(q);
  return text.replace(VARIABLE_PATTERN, (whole, name: string) => {
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) return whole;
    const value = values[name as TemplateVariable];
    if (as === 'url') return encodeURIComponent(value);
    if (as === 'json') return JSON.stringify(value).slice(1, -1);
    return name === 'interval' ? value : promString(value);
  });
}
