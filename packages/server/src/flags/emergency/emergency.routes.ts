import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import { emergencyStateSchema, emergencyStopSchema } from './emergency.schema.js';
import type { EmergencyService } from './emergency.service.js';

const envParams = z.object({ name: z.string().min(1).max(64) }).strict();

export function emergencyRoutes(
  emergency: EmergencyService,
  environmentExists: (name: string) => Promise<void>,
): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/emergency',
      scope: 'read',
      summary: 'Environments in emergency mode',
      tag: 'emergency',
      response: z.object({ items: z.array(emergencyStateSchema) }),
      handler: () => ({ items: emergency.list() }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/environments/:name/emergency-stop',
      scope: 'write',
      environment: ({ params }) => params.name,
      summary: 'Put an environment in emergency mode: flags serve safe variants, rollouts roll back',
      tag: 'emergency',
      params: envParams,
      body: emergencyStopSchema,
      response: emergencyStateSchema,
      async handler({ params, body, principal, requestId }) {
        await environmentExists(params.name);
        return emergency.stopEnvironment(params.name, body.reason, { subject: principal.subject, requestId });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/environments/:name/emergency-clear',
      scope: 'admin',
      environment: ({ params }) => params.name,
      summary: 'Leave emergency mode',
      tag: 'emergency',
      params: envParams,
      response: emergencyStateSchema,
      async handler({ params, principal, requestId }) {
        await environmentExists(params.name);
        return emergency.clearEnvironment(params.name, { subject: principal.subject, requestId });
      },
    }),
  ];
}
