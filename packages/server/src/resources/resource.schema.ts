import { z } from 'zod';

export const DEFAULT_NAME = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
    'names start with a letter or digit and hold letters, digits, "_", "." and "-" (at most 128)',
  );

export const metadataSchema = z
  .object({
    name: z.string().min(1),
    environment: z.string().optional(),
    version: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('the version this document was read at: a stale version is refused'),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/** `kind` + `metadata` + `spec`: the form of every resource document. */
export const resourceDocumentSchema = z
  .object({
    apiVersion: z.literal('sluice/v1').optional(),
    kind: z.string().min(1),
    metadata: metadataSchema,
    spec: z.unknown(),
  })
  .strict();
export type ResourceDocument = z.infer<typeof resourceDocumentSchema>;

export const storedResourceSchema = z
  .object({
    kind: z.string(),
    metadata: z.object({
      name: z.string(),
      environment: z.string().optional(),
      version: z.number().int(),
      createdAt: z.string(),
      createdBy: z.string(),
      updatedAt: z.string(),
      updatedBy: z.string(),
    }),
    spec: z.unknown(),
    status: z
      .object({
        problems: z.array(z.object({ path: z.string(), message: z.string(), kind: z.string() })),
      })
      .optional()
      .describe('what the server found in the resource (a flag loaded in flagd mode with warnings)'),
  })
  .meta({ id: 'Resource' });
export type StoredResource = z.infer<typeof storedResourceSchema>;

export const resourceListSchema = z.object({
  items: z.array(storedResourceSchema),
  nextCursor: z.string().nullable(),
});

export const applyRequestSchema = z
  .object({
    documents: z.array(z.unknown()).min(1).max(5000),
    dryRun: z.boolean().default(false),
    /** Names the source of each document for error messages: `flags.yaml#2`. */
    sources: z.array(z.string().max(500)).optional(),
  })
  .strict();

export const applyResultSchema = z.object({
  dryRun: z.boolean(),
  results: z.array(
    z.object({
      kind: z.string(),
      name: z.string(),
      environment: z.string().optional(),
      action: z.enum(['created', 'updated', 'unchanged']),
      version: z.number().int(),
      source: z.string().optional(),
      warnings: z.array(z.string()).optional(),
    }),
  ),
});
export type ApplyResult = z.infer<typeof applyResultSchema>;
