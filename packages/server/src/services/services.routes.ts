import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { type ServiceVersions, serviceVersionSchema } from './versions.js';

export function serviceRoutes(versions: ServiceVersions, defaultEnvironment: () => string): AnyRoute[] {
  const query = z
    .object({ environment: z.string().max(64).optional(), service: z.string().min(1).max(128).optional() })
    .strict();
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/service-versions',
      scope: 'read',
      environment: ({ query }) => (query as { environment?: string }).environment ?? defaultEnvironment(),
      summary: "The versions Services' deploy providers run now (one Service with ?service=)",
      tag: 'services',
      query,
      response: z.object({ items: z.array(serviceVersionSchema) }),
      async handler({ query }) {
        const environment = query.environment ?? defaultEnvironment();
        const refs = query.service
          ? [await versions.ref(environment, query.service)]
          : await versions.refs(environment);
        const lists = await Promise.all(refs.map((ref) => versions.list(ref)));
        return { items: lists.flat() };
      },
    }),
  ];
}
