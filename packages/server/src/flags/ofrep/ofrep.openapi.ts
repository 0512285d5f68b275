/**
 * OFREP's routes in `/api/v1/openapi.json`, from the wire shapes' zod schemas (ofrep.schema.ts).
 * They are not in the route table (their errors are OFREP's shapes, not problem+json), so they
 * are described here, beside the schemas the routes answer with.
 */
import { z } from 'zod';
import {
  bulkEvaluationSuccessSchema,
  evaluationFailureSchema,
  evaluationSuccessSchema,
  generalFailureSchema,
} from './ofrep.schema.js';

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType): Json {
  const out = z.toJSONSchema(schema, {
    io: 'output',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Json;
  delete out.$schema;
  return out;
}

const json = (schema: z.ZodType, description: string): Json => ({
  description,
  content: { 'application/json': { schema: schemaOf(schema) } },
});

const requestSchema = z
  .object({
    context: z
      .record(z.string(), z.json())
      .optional()
      .describe('The evaluation context; `targetingKey` is the subject of fractional rollouts.'),
  })
  .describe('A missing body or context is an empty context.');

const environmentParameter: Json = {
  name: 'environment',
  in: 'query',
  required: false,
  schema: { type: 'string' },
  description: "The environment; by default the token's own (an sdk:<env> token evaluates only there).",
};

const failures = (withKey: boolean): Record<string, Json> => ({
  '400': json(
    withKey ? z.union([evaluationFailureSchema, generalFailureSchema]) : generalFailureSchema,
    'PARSE_ERROR (body), INVALID_CONTEXT, TARGETING_KEY_MISSING, TYPE_MISMATCH',
  ),
  '401': json(generalFailureSchema, 'No token, or an unknown, revoked or expired one'),
  '403': json(generalFailureSchema, 'The token may not evaluate in this environment'),
  '413': json(generalFailureSchema, 'The body is larger than the limit'),
  '415': json(generalFailureSchema, 'The body is not application/json'),
  '500': json(generalFailureSchema, 'An internal error; the X-Request-Id header identifies it'),
});

const common = {
  tags: ['ofrep'],
  'x-sluice-scope': 'sdk:<environment> (bearer token or X-API-Key)',
};

/** The OFREP paths (OFREP v0.3.0), for the OpenAPI document's `paths`. */
export function ofrepOpenApiPaths(): Record<string, Record<string, Json>> {
  return {
    '/ofrep/v1/evaluate/flags/{key}': {
      post: {
        ...common,
        summary: 'Evaluate one flag (OFREP)',
        operationId: 'postOfrepV1EvaluateFlagsKey',
        parameters: [
          { name: 'key', in: 'path', required: true, schema: { type: 'string', maxLength: 512 } },
          environmentParameter,
        ],
        requestBody: {
          required: false,
          content: { 'application/json': { schema: schemaOf(requestSchema) } },
        },
        responses: {
          '200': json(evaluationSuccessSchema, 'The evaluation (Sluice-Emergency header in emergency mode)'),
          '404': json(evaluationFailureSchema, 'FLAG_NOT_FOUND'),
          ...failures(true),
        },
      },
    },
    '/ofrep/v1/evaluate/flags': {
      post: {
        ...common,
        summary: 'Evaluate every flag (OFREP bulk; ETag / If-None-Match)',
        operationId: 'postOfrepV1EvaluateFlags',
        parameters: [
          environmentParameter,
          { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } },
        ],
        requestBody: {
          required: false,
          content: { 'application/json': { schema: schemaOf(requestSchema) } },
        },
        responses: {
          '200': json(
            bulkEvaluationSuccessSchema,
            'Every flag, with an ETag and the change stream to follow',
          ),
          '304': { description: 'Unchanged since the If-None-Match ETag' },
          ...failures(false),
        },
      },
    },
    '/ofrep/v1/events': {
      get: {
        ...common,
        summary: 'The change stream (server-sent `refetchEvaluation` events)',
        operationId: 'getOfrepV1Events',
        parameters: [
          environmentParameter,
          {
            name: 'ticket',
            in: 'query',
            required: false,
            schema: { type: 'string' },
            description: 'A stream ticket (from the bulk answer), for EventSource, which sends no headers',
          },
        ],
        responses: {
          '200': {
            description: 'An event stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          '401': json(generalFailureSchema, 'No token or ticket, or an unknown one'),
          '403': json(generalFailureSchema, 'The token or ticket is for another environment'),
          '429': json(generalFailureSchema, "The token's streams are at their quota (Retry-After)"),
          '503': json(generalFailureSchema, 'The server holds as many streams as it may (Retry-After)'),
        },
      },
    },
  };
}
