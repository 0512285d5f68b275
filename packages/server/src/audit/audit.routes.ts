import { defineRoute } from '../http/route.js';
import type { Executor } from '../storage/index.js';
import { auditPageSchema, auditQuerySchema } from './audit.schema.js';
import { createAuditStore } from './audit-store.kysely.js';

export function auditRoutes(db: Executor) {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/audit',
      scope: 'read',
      // an environment filter lets an environment-limited token read its own environment's log
      environment: ({ query }) => query.environment ?? null,
      summary: 'Read the audit log, newest first, with filters and paging',
      tag: 'audit',
      query: auditQuerySchema,
      response: auditPageSchema,
      async handler({ query }) {
        const items = await createAuditStore(db).query(query);
        const last = items.at(-1);
        return { items, nextCursor: items.length === query.limit && last ? last.id : null };
      },
    }),
  ];
}
