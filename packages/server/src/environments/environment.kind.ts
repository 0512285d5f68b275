import { defineError } from '@sluice/core';
import { ENVIRONMENT_NAME } from '@sluice/core/auth';
import { z } from 'zod';
import type { KindDefinition } from '../resources/kind.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';

export const DefaultEnvironmentProtected = defineError(
  'DEFAULT_ENVIRONMENT_PROTECTED',
  409,
  'The default environment cannot be deleted',
);

export const EnvironmentNotEmpty = defineError(
  'ENVIRONMENT_NOT_EMPTY',
  409,
  'The environment still holds resources',
);

/** How many of an environment's resources a refused delete names. */
const NAMED = 10;

export const environmentSpecSchema = z
  .object({
    description: z.string().max(1000).default(''),
    settings: z
      .object({
        publicEvaluation: z
          .boolean()
          .default(false)
          .describe(
            'allow the feature API (/api/features) to evaluate flags without a token in this environment',
          ),
      })
      .strict()
      .default({ publicEvaluation: false }),
  })
  .strict()
  .meta({ id: 'EnvironmentSpec' });
export type EnvironmentSpec = z.infer<typeof environmentSpecSchema>;

export const environmentName = z
  .string()
  .regex(
    ENVIRONMENT_NAME,
    'environment names are lower-case letters, digits and "-", at most 63, starting and ending with a letter or digit',
  );

export function environmentKind(defaultEnvironment: () => string): KindDefinition<EnvironmentSpec> {
  return {
    kind: 'Environment',
    plural: 'environments',
    aliases: ['env', 'envs', 'environment'],
    environmentScoped: false,
    spec: environmentSpecSchema,
    name: environmentName,
    writeScope: 'admin',
    applyOrder: 0,
    async beforeDelete(ctx, resource) {
      if (resource.metadata.name === defaultEnvironment()) {
        throw DefaultEnvironmentProtected(
          `"${resource.metadata.name}" is the default environment (SLUICE_DEFAULT_ENV)`,
        );
      }
      const env = resource.metadata.name;
      const store = createResourceStore(ctx.trx);
      const inUse = await store.countInEnvironment(env);
      if (inUse === 0) return;
      const held = await store.sampleInEnvironment(env, NAMED);
      const names = held.map((r) => `${r.kind}/${r.name}`).join(', ');
      const more = inUse > held.length ? ` and ${inUse - held.length} more` : '';
      throw EnvironmentNotEmpty(
        `environment "${env}" still holds ${inUse} resource${inUse === 1 ? '' : 's'}: ${names}${more}; delete them first (sluice delete KIND NAME --env ${env})`,
        { extensions: { resources: held } },
      );
    },
  };
}
