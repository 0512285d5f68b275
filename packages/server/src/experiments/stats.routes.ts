/**
 * The calculators: `POST /api/v1/stats/{test}` for every test of the stats engine's
 * `statsTests` table, mounted the same way. Read scope (any environment's): they read no data.
 */
import { isSluiceError, ValidationFailed } from '@sluice/core';
import { ANY_ENVIRONMENT } from '@sluice/core/auth';
import { statsTests } from '@sluice/core/stats';
import type { z } from 'zod';
import { type AnyRoute, defineRoute } from '../http/route.js';

export function statsRoutes(): AnyRoute[] {
  return Object.entries(statsTests).map(([name, test]) =>
    defineRoute({
      method: 'POST',
      url: `/api/v1/stats/${name}`,
      scope: 'read',
      environment: () => ANY_ENVIRONMENT,
      summary: test.summary,
      tag: 'stats',
      body: test.input as z.ZodType<unknown>,
      response: test.output as z.ZodType<unknown>,
      handler: ({ body }) => {
        try {
          return test.run(body);
        } catch (error) {
          // checks that need computed values name the field without the `body.` the route adds
          if (isSluiceError(error, 'VALIDATION_FAILED')) {
            const fields = error.fields.map((f) => ({
              ...f,
              path: f.path.startsWith('body') ? f.path : `body.${f.path}`,
            }));
            throw ValidationFailed(error.detail, { fields });
          }
          throw error;
        }
      },
    }),
  );
}
