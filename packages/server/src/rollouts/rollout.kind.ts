/**
 * A `Rollout`: a stored plan in the seed's progressive-deployment format (the seed's JSON
 * applies unchanged as a bare document; its name is the slug of `name`). Applying stores the
 * plan; `sluice rollout start` starts a run of it.
 */
import { slugify } from '@sluice/core';
import { type Plan, parsePlan } from '@sluice/core/rollouts';
import { z } from 'zod';
import { checkPlanMetrics, storedTemplates } from '../analysis/templates/plan-metrics.js';
import type { HostReach } from '../authority/write-needs.js';
import type { KindContext, KindDefinition } from '../resources/kind.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';
import { planReach } from './run-authority.js';

/** `stages[2].config.app_name` → ['stages', 2, 'config', 'app_name']. */
export function pathSegments(path: string): (string | number)[] {
  if (path === '$' || path === '') return [];
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out;
}

export const rolloutSpecSchema = z
  .unknown()
  .transform((value, ctx): Plan => {
    try {
      return parsePlan(value);
    } catch (error) {
      const fields = (error as { fields?: { path: string; message: string }[] }).fields;
      if (!fields) throw error;
      for (const f of fields)
        ctx.addIssue({ code: 'custom', message: f.message, path: pathSegments(f.path) });
      return z.NEVER;
    }
  })
  .meta({ id: 'RolloutSpec', description: 'the progressive-deployment plan format' });

/** The Services a plan's stages deploy (`config.app_name`). */
export function servicesOf(plan: Plan): string[] {
  const names = new Set<string>();
  for (const stage of plan.stages) {
    const app = (stage.config as { app_name?: unknown }).app_name;
    if (typeof app === 'string') names.add(app);
  }
  return [...names];
}

async function missingServices(ctx: KindContext, environment: string, plan: Plan): Promise<string[]> {
  const store = createResourceStore(ctx.trx);
  const missing: string[] = [];
  for (const name of servicesOf(plan))
    if (!(await store.get('Service', environment, name))) missing.push(name);
  return missing;
}

/** A plan's webhook checks and stage webhooks: URLs the control plane calls, so operator configuration. */
export function planHostReach(plan: Plan): HostReach[] {
  const why = 'a webhook URL the control plane calls is operator configuration';
  const stageHooks = plan.stages.flatMap((stage, i) =>
    stage.strategy === 'canary'
      ? (stage.config.webhooks ?? []).map((w, j) => ({
          path: `stages[${i}].config.webhooks[${j}].url`,
          value: w.url,
          why,
        }))
      : [],
  );
  return [...stageHooks, ...checkHooks(plan)];
}

function checkHooks(plan: Plan): HostReach[] {
  return Object.entries(plan.metric_templates ?? {}).flatMap(([metric, choice]) =>
    typeof choice === 'object' && 'webhook' in choice
      ? [
          {
            path: `metric_templates.${metric}.webhook.url`,
            value: choice.webhook.url,
            why: 'a webhook URL the control plane calls is operator configuration',
          },
        ]
      : [],
  );
}

export const rolloutKind: KindDefinition<Plan> = {
  kind: 'Rollout',
  plural: 'rollouts',
  aliases: ['rollout', 'plan'],
  environmentScoped: true,
  spec: rolloutSpecSchema as unknown as z.ZodType<Plan>,
  applyOrder: 40,
  // a stage writing another environment (config.environment) needs `write` there to be set
  environmentReach: planReach,
  hostReach: planHostReach,
  recognise(doc) {
    if (doc.kind !== undefined || !Array.isArray(doc.stages) || typeof doc.name !== 'string') return null;
    return [{ name: slugify(doc.name), spec: doc }];
  },
  async check(ctx, resource) {
    // every metric a stage names must read something: refused here, not at the first check
    return (await checkPlanMetrics(resource.spec, storedTemplates(ctx.trx))).errors.map((f) => ({
      ...f,
      path: `spec.${f.path}`,
    }));
  },
  async warn(ctx, resource) {
    const missing = await missingServices(ctx, resource.environment as string, resource.spec);
    const { warnings } = await checkPlanMetrics(resource.spec, storedTemplates(ctx.trx));
    return [
      ...missing.map(
        (name) =>
          `stage service "${name}" does not exist in ${resource.environment} yet; starting the rollout will fail until it does`,
      ),
      ...warnings,
    ];
  },
};
