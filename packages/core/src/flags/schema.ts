import { z } from 'zod';
import { jsonValue } from './json-value.js';

/**
 * Flag keys: a letter or digit, then up to 127 letters, digits, `_`, `.`, `-` or `:`. Narrower than
 * flagd (any non-empty string) so keys are safe in URLs, file names, metric labels and CLI args.
 */
export const FLAG_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.\-:]{0,127}$/;

export const FlagKeySchema = z
  .string()
  .regex(
    FLAG_KEY_PATTERN,
    'flag keys are 1-128 characters: a letter or digit, then letters, digits, _ . - :',
  );

/** Flag and flag-set metadata: flat values only, as OpenFeature's FlagMetadata. */
export const FlagMetadataSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const VariantValueSchema = z.union([
  z.boolean(),
  z.string(),
  z.number(),
  z.record(z.string(), jsonValue()),
  z.array(jsonValue()),
]);

/** Sluice extension: this flag is only evaluated when `flag` resolves to one of `variants`. */
export const PrerequisiteSchema = z.strictObject({
  flag: FlagKeySchema,
  variants: z.array(z.string()).min(1, 'list at least one variant'),
});

/**
 * One flag: flagd's fields (`state`, `variants`, `defaultVariant`, `targeting`, `metadata`) plus
 * Sluice's extras (`description`, `owner`, `tags`, `safeVariant`, `prerequisites`).
 */
export const FlagSchema = z
  .strictObject({
    state: z.enum(['ENABLED', 'DISABLED']),
    variants: z.record(z.string(), VariantValueSchema),
    defaultVariant: z.string().nullable().optional(),
    targeting: jsonValue().optional(),
    metadata: FlagMetadataSchema.optional(),
    description: z.string().optional(),
    owner: z.string().optional(),
    tags: z.array(z.string()).optional(),
    safeVariant: z.string().optional(),
    prerequisites: z.array(PrerequisiteSchema).optional(),
  })
  .superRefine((flag, ctx) => {
    // flagd treats an empty defaultVariant as absent, so only a non-empty one must exist.
    if (flag.defaultVariant && !Object.hasOwn(flag.variants, flag.defaultVariant)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultVariant'],
        message: `"${flag.defaultVariant}" is not one of the variants (${Object.keys(flag.variants).join(', ')})`,
      });
    }
    if (flag.safeVariant !== undefined && !Object.hasOwn(flag.variants, flag.safeVariant)) {
      ctx.addIssue({
        code: 'custom',
        path: ['safeVariant'],
        message: `"${flag.safeVariant}" is not one of the variants (${Object.keys(flag.variants).join(', ')})`,
      });
    }
  });

/** A flagd flag-set document: `flags`, shared `$evaluators`, flag-set `metadata`. */
export const FlagSetDocumentSchema = z.object({
  $schema: z.string().optional(),
  flags: z.record(FlagKeySchema, FlagSchema),
  $evaluators: z.record(z.string(), jsonValue()).optional(),
  metadata: FlagMetadataSchema.optional(),
});

/** Named JsonLogic rules supplied at compile time and used as `{"segment": "name"}`. */
export const SegmentsSchema = z.record(FlagKeySchema, jsonValue());

export type FlagDefinition = z.infer<typeof FlagSchema>;
export type FlagSetDocument = z.infer<typeof FlagSetDocumentSchema>;
export type FlagMetadata = z.infer<typeof FlagMetadataSchema>;
export type VariantValue = z.infer<typeof VariantValueSchema>;
export type Prerequisite = z.infer<typeof PrerequisiteSchema>;
