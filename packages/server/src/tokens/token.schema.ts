import { scopeSchema } from '@sluice/core/auth';
import { z } from 'zod';

export const createTokenSchema = z
  .object({
    subject: z.string().min(1).max(256).describe('the person or system the token speaks for'),
    scopes: z.array(scopeSchema).min(1).max(20),
    roles: z.array(z.string().min(1).max(64)).max(50).default([]).describe('roles for approval gates'),
    description: z.string().max(500).default(''),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .meta({ id: 'TokenSpec' });
export type CreateToken = z.infer<typeof createTokenSchema>;

export const tokenViewSchema = z
  .object({
    id: z.string(),
    subject: z.string(),
    scopes: z.array(z.string()),
    roles: z.array(z.string()),
    description: z.string(),
    createdAt: z.string(),
    createdBy: z.string(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'Token' });
export type TokenView = z.infer<typeof tokenViewSchema>;

export const createdTokenSchema = tokenViewSchema.extend({
  token: z.string().describe('the secret; shown once, stored only as a hash'),
});
