import { FlagKeySchema, jsonValue } from '@sluice/core/flags';
import { z } from 'zod';
import { bumpGeneration } from '../environments/generation.js';
import type { KindDefinition } from '../resources/kind.js';
import { flagSetCompiles, flagSetStatus, refuseDeleteInUse } from './flag.kind.js';

export const segmentSpecSchema = z
  .object({
    description: z.string().max(1000).default(''),
    /** A JsonLogic rule; flags use it as `{"segment": "name"}` or `{"$ref": "name"}`. */
    rule: jsonValue(),
  })
  .strict()
  .meta({ id: 'SegmentSpec' });
export type SegmentSpec = z.infer<typeof segmentSpecSchema>;

/** A named targeting rule usable from any flag in its environment. */
export function segmentKind(checkFlags: KindDefinition['check']): KindDefinition<SegmentSpec> {
  return {
    kind: 'Segment',
    plural: 'segments',
    aliases: ['segment', 'seg'],
    environmentScoped: true,
    spec: segmentSpecSchema,
    name: FlagKeySchema,
    applyOrder: 15,
    check: checkFlags,
    checkSet: flagSetCompiles,
    status: (ctx, environment, names) => flagSetStatus(ctx, 'Segment', environment, names),
    beforeDelete: (ctx, resource) =>
      refuseDeleteInUse(ctx, 'Segment', resource.metadata.name, resource.metadata.environment as string),
    async afterChange(ctx, change) {
      const env = (change.after ?? change.before)?.metadata.environment;
      if (env) await bumpGeneration(ctx.trx, env);
    },
  };
}
