import { z } from 'zod';

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    kind: z.string(),
    environment: z.string().optional(),
    name: z.string(),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditQuerySchema = z
  .object({
    kind: z.string().max(64).optional(),
    name: z.string().max(256).optional(),
    environment: z.string().max(64).optional(),
    actor: z.string().max(256).optional(),
    action: z.string().max(64).optional(),
    since: z.iso.datetime({ offset: true }).optional().describe('entries at or after this time'),
    until: z.iso.datetime({ offset: true }).optional().describe('entries before this time'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.coerce.number().int().min(1).optional().describe('nextCursor of the previous page'),
  })
  .strict();
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const auditPageSchema = z.object({
  items: z.array(auditEntrySchema),
  nextCursor: z.number().int().nullable(),
});
