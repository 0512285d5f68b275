/**
 * Flagger's `Canary` (flagger.app/v1beta1): the document applies unchanged and runs as a rollout
 * of one canary stage (`@sluice/core/rollouts` `translateCanary`). `targetRef.name` is the
 * Service of that name in the environment the apply names; `metadata.namespace` is kept in the
 * spec as a label (it fills `{{ namespace }}`), not an environment. Fields Sluice does not act
 * on are warnings in the apply result, never refusals.
 */
import {
  type FlaggerCanarySpec,
  flaggerCanarySpecSchema,
  type Plan,
  parsePlan,
  translateCanary,
  validatePlan,
} from '@sluice/core/rollouts';
import type { z } from 'zod';
import { checkPlanMetrics, storedTemplates } from '../analysis/templates/plan-metrics.js';
import type { HostReach } from '../authority/write-needs.js';
import type { KindContext, KindDefinition } from '../resources/kind.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';
import type { ServiceSpec } from '../services/service.schema.js';

/** What the plan carries as its version while only checking (the run's comes at start). */
const CHECK_VERSION = 'apply-check';

/**
 * Webhook URLs Sluice would call reach another system: admin only. A load test's URL (Flagger's
 * load tester) is never called — Sluice runs the load itself — so it reaches nothing.
 */
export function canaryHostReach(spec: FlaggerCanarySpec): HostReach[] {
  return spec.analysis.webhooks.flatMap((w, i) =>
    w.metadata?.cmd !== undefined
      ? []
      : [
          {
            path: `analysis.webhooks[${i}].url`,
            value: w.url,
            why: 'a webhook URL the control plane calls is operator configuration',
          },
        ],
  );
}

function recogniseFlagger(doc: Record<string, unknown>) {
  if (
    doc.kind !== 'Canary' ||
    typeof doc.apiVersion !== 'string' ||
    !doc.apiVersion.startsWith('flagger.app/')
  )
    return null;
  const metadata = (doc.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  const spec = doc.spec && typeof doc.spec === 'object' ? (doc.spec as Record<string, unknown>) : {};
  return [
    {
      name: typeof metadata.name === 'string' ? metadata.name : '',
      spec: typeof metadata.namespace === 'string' ? { ...spec, namespace: metadata.namespace } : spec,
    },
  ];
}

/** Plan paths (`stages[0].config.thresholds.error-rate`) → the Canary's metric that wrote them. */
function canaryPath(spec: FlaggerCanarySpec, planPath: string): string {
  const metric = /thresholds\.(.+)$/.exec(planPath)?.[1] ?? /^metric_templates\.(.+)$/.exec(planPath)?.[1];
  const i = metric === undefined ? -1 : spec.analysis.metrics.findIndex((m) => m.name === metric);
  if (i < 0) return 'spec.analysis.metrics';
  return `spec.analysis.metrics[${i}].${spec.analysis.metrics[i]?.templateRef ? 'templateRef' : 'name'}`;
}

async function routeHostWarnings(
  ctx: KindContext,
  environment: string,
  name: string,
  spec: FlaggerCanarySpec,
): Promise<string[]> {
  const service = await createResourceStore(ctx.trx).get('Service', environment, spec.targetRef.name);
  if (!service)
    return [
      `Canary "${name}": targetRef ${spec.targetRef.name} is not a Service in ${environment} yet; starting it will fail until it is`,
    ];
  const route = (service.spec as ServiceSpec).traffic.route;
  const hosts = spec.service.hosts ?? [];
  if (route.host !== undefined && hosts.length && !hosts.map((h) => h.toLowerCase()).includes(route.host))
    return [
      `Canary "${name}": Service ${spec.targetRef.name}'s route serves ${route.host}, not one of service.hosts (${hosts.join(', ')}); load tests to those hosts will not reach it`,
    ];
  return [];
}

export const canaryKind: KindDefinition<FlaggerCanarySpec> = {
  kind: 'Canary',
  plural: 'canaries',
  aliases: ['canary'],
  environmentScoped: true,
  spec: flaggerCanarySpecSchema as unknown as z.ZodType<FlaggerCanarySpec>,
  // after the Services, Routes and MetricTemplates it names
  applyOrder: 40,
  hostReach: canaryHostReach,
  recognise: recogniseFlagger,
  async check(ctx, resource) {
    const { plan } = translateCanary(resource.name, resource.spec, CHECK_VERSION);
    let parsed: Plan;
    try {
      parsed = parsePlan(plan);
    } catch (error) {
      // the schema lets through little the plan refuses; name the analysis, with the plan's words
      const fields = (error as { fields?: { path: string; message: string }[] }).fields ?? [];
      return fields.map((f) => ({
        path: 'spec.analysis',
        message: `as a Sluice plan, ${f.path}: ${f.message}`,
      }));
    }
    const { errors } = await checkPlanMetrics(parsed, storedTemplates(ctx.trx));
    return errors.map((e) => ({ path: canaryPath(resource.spec, e.path), message: e.message }));
  },
  async warn(ctx, resource) {
    const t = translateCanary(resource.name, resource.spec, CHECK_VERSION);
    const parsed = validatePlan(t.plan);
    const { warnings } = parsed.ok
      ? await checkPlanMetrics(parsed.plan, storedTemplates(ctx.trx))
      : { warnings: [] };
    const out: string[] = [];
    if (t.ignored.length)
      out.push(`Canary "${resource.name}": accepted and ignored by Sluice: ${t.ignored.join(', ')}`);
    out.push(...t.notes.map((n) => `Canary "${resource.name}": ${n}`));
    out.push(...t.refused.map((r) => `Canary "${resource.name}": not run: ${r}`));
    out.push(...warnings.map((w) => `Canary "${resource.name}": ${w}`));
    out.push(...(await routeHostWarnings(ctx, resource.environment as string, resource.name, resource.spec)));
    return out;
  },
};
