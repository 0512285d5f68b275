import { Conflict, defineError } from '@sluice/core';
import { ENVIRONMENT_NAME } from '@sluice/core/auth';
import { z } from 'zod';
import type { KindDefinition } from '../resources/kind.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';

export const DefaultEnvironmentProtected = defineError(
  'DEFAULT_ENVIRONMENT_PROTECTED',
  409,
  'The default environment cannot be deleted',
);

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
      const inUse = await createResourceStore(ctx.trx).countInEnvironment(resource.metadata.name);
      if (inUse > 0)
        throw Conflict(
          `environment "${resource.metadata.name}" still holds ${inUse} resource(s); delete them first`,
        );
    },
  };
}
