/** Stored MetricTemplates read through the resources service, for the metric registry. */
import type { KindRegistry } from '../../resources/registry.js';
import type { ResourceService } from '../../resources/resources.service.js';
import type { MetricTemplateSpec } from './metric-template.schema.js';
import type { TemplateLookup } from './resolve.js';

export function metricTemplateLookup(resources: ResourceService, kinds: KindRegistry): TemplateLookup {
  const kind = () => kinds.get('MetricTemplate');
  return {
    async get(name) {
      const found = await resources.find(kind(), null, name);
      return found ? (found.spec as MetricTemplateSpec) : null;
    },
    async names() {
      return (await resources.list(kind(), null, { limit: 500 })).map((r) => r.metadata.name);
    },
  };
}
