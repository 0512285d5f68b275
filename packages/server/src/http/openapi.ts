/** The OpenAPI 3.1 document, generated from the route table's zod schemas. */
import { z } from 'zod';
import { hoistDefs } from './openapi-defs.js';
import { problemSchema } from './problem.js';
import type { AnyRoute } from './route.js';

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  return out;
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: s,
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
  }));
}

/** `extraPaths`: routes outside the table (OFREP, with its own error shapes), described by their slice. */
export function openApiDocument(
  routes: AnyRoute[],
  version: string,
  extraPaths: Record<string, Record<string, Json>> = {},
): Json {
  const paths: Record<string, Record<string, Json>> = { ...extraPaths };
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation: Json = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      'x-sluice-scope': route.scope,
      parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
      responses: {
        [String(route.status ?? 200)]: {
          description: 'Success',
          ...(route.response
            ? {
                content: {
                  [route.produces ?? 'application/json']: { schema: schemaOf(route.response, 'output') },
                },
              }
            : {}),
        },
        default: {
          description: 'Error',
          content: { 'application/problem+json': { schema: schemaOf(problemSchema, 'output') } },
        },
      },
      ...(route.scope === 'public' ? { security: [] } : {}),
    };
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: schemaOf(route.body, 'input') } },
      };
    }
    paths[path] ??= {};
    (paths[path] as Record<string, Json>)[route.method.toLowerCase()] = operation;
  }
  return hoistDefs({
    openapi: '3.1.0',
    info: { title: 'Sluice API', version },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  });
}
