import { z } from 'zod';
import { defineRoute } from '../http/route.js';
import { createdTokenSchema, createTokenSchema, tokenViewSchema } from './token.schema.js';
import type { TokenService } from './tokens.service.js';

export function tokenRoutes(tokens: TokenService) {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/tokens',
      scope: 'admin',
      summary: 'List tokens (never their secrets)',
      tag: 'tokens',
      response: z.object({ items: z.array(tokenViewSchema) }),
      handler: async () => ({ items: await tokens.list() }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/tokens',
      scope: 'admin',
      summary: 'Create a token; the secret is in this response only',
      tag: 'tokens',
      body: createTokenSchema,
      response: createdTokenSchema,
      status: 201,
      handler: ({ body, principal, requestId }) =>
        tokens.create(body, { subject: principal.subject, requestId }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/tokens/:id/revoke',
      scope: 'admin',
      summary: 'Revoke a token',
      tag: 'tokens',
      params: z.object({ id: z.string().regex(/^[0-9a-f]{12}$/, 'a token id is 12 hex digits') }).strict(),
      response: tokenViewSchema,
      handler: ({ params, principal, requestId }) =>
        tokens.revoke(params.id, { subject: principal.subject, requestId }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/whoami',
      scope: 'token',
      summary: 'The subject, scopes and roles of the calling token',
      tag: 'tokens',
      response: z.object({
        tokenId: z.string().nullable(),
        subject: z.string(),
        scopes: z.array(z.string()),
        roles: z.array(z.string()),
      }),
      handler: ({ principal }) => principal,
    }),
  ];
}
