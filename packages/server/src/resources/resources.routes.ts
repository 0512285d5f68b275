/**
 * Routes every kind gets: list, get, put, delete under `/api/v1/{plural}`, plus `apply` for a
 * set of documents and `kinds` to list what this server knows.
 */

import { ValidationFailed } from '@sluice/core';
import { ANY_ENVIRONMENT } from '@sluice/core/auth';
import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { normalizeDocuments, normalizeResource } from './documents.js';
import type { AnyKind } from './kind.js';
import {
  applyRequestSchema,
  applyResultSchema,
  metadataSchema,
  resourceListSchema,
  storedResourceSchema,
} from './resource.schema.js';
import type { ResourceService } from './resources.service.js';

const nameParams = z.object({ name: z.string().min(1).max(256) }).strict();
const envQuery = z.object({ environment: z.string().max(64).optional() }).strict();
/** Writes take `?confirm=true` for changes a kind refuses unconfirmed (a running experiment's split). */
const writeQuery = envQuery.extend({ confirm: z.enum(['true', 'false']).optional() });
const applyQuery = writeQuery.extend({
  strict: z
    .enum(['true', 'false'])
    .optional()
    .describe('true: refuse what a flagd file would load with a warning'),
});
const listQuery = envQuery.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(256).optional(),
});
const putBody = z
  .object({
    apiVersion: z.literal('sluice/v1').optional(),
    kind: z.string().optional(),
    metadata: metadataSchema.partial().optional(),
    spec: z.unknown(),
  })
  .strict()
  .refine((b) => b.spec !== undefined, { message: 'spec is required', path: ['spec'] });

/** `If-Match: "3"` (or W/"3", or 3) → 3. */
export function ifMatchVersion(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(value ?? '');
  if (!m?.[1]) {
    throw ValidationFailed('If-Match must hold a resource version such as "3"', {
      fields: [{ path: 'headers.if-match', message: 'expected a resource version such as "3"' }],
    });
  }
  return Number(m[1]);
}

export function resourceRoutes(service: ResourceService, defaultEnvironment: () => string): AnyRoute[] {
  const routes: AnyRoute[] = [];
  for (const kind of service.registry.all()) {
    if (kind.appliable === false) continue;
    routes.push(...kindRoutes(kind, service, defaultEnvironment));
  }
  routes.push(
    defineRoute({
      method: 'POST',
      url: '/api/v1/apply',
      scope: 'write',
      environment: () => ANY_ENVIRONMENT,
      summary: 'Apply a set of documents, all or nothing (each checked against the token’s scopes)',
      tag: 'resources',
      query: applyQuery,
      body: applyRequestSchema,
      response: applyResultSchema,
      async handler({ body, query, principal, requestId, authorize }) {
        const resources = normalizeDocuments(service.registry, body.documents, {
          defaultEnvironment: query.environment ?? defaultEnvironment(),
          sources: body.sources,
        });
        for (const r of resources)
          authorize(r.kind.writeScope ?? 'write', r.environment ?? r.kind.owner?.(r.spec) ?? null);
        return service.apply(
          resources,
          {
            subject: principal.subject,
            requestId,
            scopes: principal.scopes,
            confirm: query.confirm === 'true',
          },
          body.dryRun,
          { strict: query.strict === 'true' },
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/kinds',
      scope: 'token',
      summary: 'The kinds of resource this server knows',
      tag: 'resources',
      response: z.object({
        items: z.array(
          z.object({
            kind: z.string(),
            plural: z.string(),
            aliases: z.array(z.string()),
            environmentScoped: z.boolean(),
          }),
        ),
      }),
      handler: () => ({
        items: service.registry.all().map((k) => ({
          kind: k.kind,
          plural: k.plural,
          aliases: k.aliases,
          environmentScoped: k.environmentScoped,
        })),
      }),
    }),
  );
  return routes;
}

function kindRoutes(kind: AnyKind, service: ResourceService, defaultEnvironment: () => string): AnyRoute[] {
  const base = `/api/v1/${kind.plural}`;
  const envOf = (q: { environment?: string | undefined }) =>
    kind.environmentScoped ? (q.environment ?? defaultEnvironment()) : null;
  // a kind whose resources have an owner (Route) is written by its owner's tokens: the resource
  // service checks the owner before and after the write with the token's scopes
  const writeEnvOf = (q: { environment?: string | undefined }) => (kind.owner ? ANY_ENVIRONMENT : envOf(q));
  const writeScope = kind.writeScope ?? 'write';
  return [
    defineRoute({
      method: 'GET',
      url: base,
      scope: 'read',
      environment: ({ query }) => envOf(query),
      summary: `List ${kind.plural}`,
      tag: kind.plural,
      query: listQuery,
      response: resourceListSchema,
      async handler({ query }) {
        const stored = await service.list(kind, envOf(query), { limit: query.limit, cursor: query.cursor });
        const items = await service.withStatus(kind, envOf(query), stored);
        const last = items.at(-1);
        return { items, nextCursor: items.length === query.limit && last ? last.metadata.name : null };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/:name`,
      scope: 'read',
      environment: ({ query }) => envOf(query),
      summary: `Read one ${kind.kind}`,
      tag: kind.plural,
      params: nameParams,
      query: envQuery,
      response: storedResourceSchema,
      async handler({ params, query, reply }) {
        const resource = await service.get(kind, envOf(query), params.name);
        reply.header('etag', `"${resource.metadata.version}"`);
        const [described] = await service.withStatus(kind, envOf(query), [resource]);
        return described ?? resource;
      },
    }),
    defineRoute({
      method: 'PUT',
      url: `${base}/:name`,
      scope: writeScope,
      environment: ({ query }) => writeEnvOf(query),
      summary: `Create or replace a ${kind.kind} (If-Match or metadata.version for optimistic concurrency)`,
      tag: kind.plural,
      params: nameParams,
      query: writeQuery,
      body: putBody,
      response: storedResourceSchema,
      async handler({ params, query, body, headers, principal, requestId, reply }) {
        if (body.kind !== undefined && kind !== service.registry.find(body.kind)) {
          throw ValidationFailed(`body.kind is "${body.kind}" but this route writes ${kind.kind}`, {
            fields: [{ path: 'body.kind', message: `expected ${kind.kind}` }],
          });
        }
        if (body.metadata?.name !== undefined && body.metadata.name !== params.name) {
          throw ValidationFailed('metadata.name differs from the name in the URL', {
            fields: [{ path: 'body.metadata.name', message: `expected "${params.name}"` }],
          });
        }
        const resource = normalizeResource(
          kind,
          {
            name: params.name,
            environment: kind.environmentScoped ? (envOf(query) ?? undefined) : undefined,
            spec: body.spec,
          },
          'body',
          defaultEnvironment(),
        );
        const expected = ifMatchVersion(headers['if-match']) ?? body.metadata?.version;
        if (expected !== undefined) resource.expectedVersion = expected;
        const outcome = await service.put(resource, {
          subject: principal.subject,
          requestId,
          scopes: principal.scopes,
          confirm: query.confirm === 'true',
        });
        reply.header('etag', `"${outcome.resource.metadata.version}"`);
        if (outcome.action === 'created') reply.status(201);
        return outcome.resource;
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: `${base}/:name`,
      scope: writeScope,
      environment: ({ query }) => writeEnvOf(query),
      summary: `Delete a ${kind.kind}`,
      tag: kind.plural,
      params: nameParams,
      query: envQuery,
      response: storedResourceSchema,
      async handler({ params, query, headers, principal, requestId }) {
        return service.delete(kind, envOf(query), params.name, ifMatchVersion(headers['if-match']), {
          subject: principal.subject,
          requestId,
          scopes: principal.scopes,
        });
      },
    }),
  ];
}
