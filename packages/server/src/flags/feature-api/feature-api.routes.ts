/**
 * The simple feature API (the spec's Express flag service, kept for its clients): `GET /api/features/:flagName` evaluates,
 * `POST /api/features/:flagName` writes Flag resources (one per listed environment, in one
 * transaction, versioned and audited). Errors keep that service's shape, `{"error": "..."}`; a flag
 * that does not exist is its `404 {"enabled": false, "reason": "Flag not found"}`.
 */

import { isSluiceError } from '@sluice/core';
import { scopesGrant } from '@sluice/core/auth';
import { evaluate, FLAG_KEY_PATTERN } from '@sluice/core/flags';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { environmentName } from '../../environments/environment.kind.js';
import type { TokenVerifier } from '../../http/auth.js';
import { zodFields } from '../../http/problem.js';
import type { Principal } from '../../http/route.js';
import type { ResourceService } from '../../resources/resources.service.js';
import { storageError } from '../../storage/errors.js';
import { EMERGENCY_HEADER, emergencyHeaderValue } from '../emergency/header.js';
import type { FlagSetCache } from '../flag-sets.js';
import { environmentFor, presentedSecret, principalFor, requireEvaluate } from '../ofrep/access.js';
import { corsHeaders, registerPreflight } from '../ofrep/cors.js';
import type { EvaluationHook } from '../ofrep/ofrep.routes.js';
import { FeatureApiForbidden, FeatureApiUnauthorized } from './errors.js';
import { featureApiFlagSchema, publicConfigOf, toFlagDefinition } from './feature-flag.js';

export interface FeatureApiDeps {
  flagSets: FlagSetCache;
  tokens: TokenVerifier;
  resources: ResourceService;
  emergency: (environment: string) => { environment: string } | null;
  defaultEnvironment: () => string;
  now?: () => Date;
  onEvaluated?: EvaluationHook;
  /** How long an environment's `publicEvaluation` setting is trusted before it is read again. */
  settingsTtlMs?: number;
}

const URL = '/api/features/:flagName';

const querySchema = z.object({
  userId: z.string().max(512).optional(),
  environment: environmentName.optional(),
});

class FeatureApiInputError extends Error {
  constructor(readonly fields: { path: string; message: string }[]) {
    super(fields.map((f) => `${f.path}: ${f.message}`).join('; '));
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, part: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new FeatureApiInputError(zodFields(part, result.error));
  return result.data;
}

export function mountFeatureApi(fastify: FastifyInstance, deps: FeatureApiDeps): void {
  const now = deps.now ?? (() => new Date());
  const onEvaluated = deps.onEvaluated ?? (() => {});
  const ttl = deps.settingsTtlMs ?? 5000;
  const publicEnvs = new Map<string, { open: boolean; until: number }>();
  deps.resources.onChange((c) => {
    if (c.kind === 'Environment') publicEnvs.delete(c.name);
  });
  const isPublic = async (environment: string): Promise<boolean> => {
    const at = now().getTime();
    const hit = publicEnvs.get(environment);
    if (hit && hit.until > at) return hit.open;
    const env = await deps.resources.find(deps.resources.registry.get('Environment'), null, environment);
    const open =
      (env?.spec as { settings?: { publicEvaluation?: boolean } } | undefined)?.settings?.publicEvaluation ===
      true;
    if (publicEnvs.size > 1000) publicEnvs.clear();
    publicEnvs.set(environment, { open, until: at + ttl });
    return open;
  };
  const emergencyHeader = (reply: FastifyReply, environment: string) => {
    const value = emergencyHeaderValue(deps.emergency(environment));
    if (value) reply.header(EMERGENCY_HEADER, value);
  };

  registerPreflight(fastify, [URL]);

  fastify.route({
    method: 'GET',
    url: URL,
    onRequest: async (_request, reply) => corsHeaders(reply),
    errorHandler: featureApiErrorHandler,
    handler: async (request, reply) => {
      const { flagName } = request.params as { flagName: string };
      const query = parse(querySchema, request.query, 'query');
      const secret = presentedSecret(request.headers);
      let environment: string;
      if (secret === null) {
        // the original browser client sends no token: only environments that opted in answer it
        environment = query.environment ?? deps.defaultEnvironment();
        if (!(await isPublic(environment)))
          throw FeatureApiUnauthorized(
            `environment "${environment}" does not allow evaluation without a token (settings.publicEvaluation)`,
          );
      } else {
        const principal = await principalFor(deps.tokens, secret);
        environment = environmentFor(principal, query.environment, deps.defaultEnvironment());
        requireEvaluate(principal, environment);
      }
      emergencyHeader(reply, environment);
      const flags = await deps.flagSets.get(environment);
      // own names only: `toString`, `constructor` and the like are the object's, not flags (L4)
      const known = FLAG_KEY_PATTERN.test(flagName) && Object.hasOwn(flags.set.document.flags, flagName);
      const definition = known ? flags.set.document.flags[flagName] : undefined;
      if (!definition) return reply.status(404).send({ enabled: false, reason: 'Flag not found' });
      const context = query.userId !== undefined ? { userId: query.userId, targetingKey: query.userId } : {};
      const result = evaluate(flags.set, flagName, 'boolean', false, context, {
        now: Math.floor(now().getTime() / 1000),
        overlay: flags.overlay,
      });
      if (!result.errorCode) onEvaluated(environment, flagName, result.variant, result, context);
      return {
        enabled: result.value === true,
        flagName,
        userId: query.userId,
        environment,
        config: publicConfigOf(definition.metadata),
      };
    },
  });

  fastify.route({
    method: 'POST',
    url: URL,
    onRequest: async (_request, reply) => corsHeaders(reply),
    errorHandler: featureApiErrorHandler,
    handler: async (request, reply) => {
      const { flagName } = request.params as { flagName: string };
      const secret = presentedSecret(request.headers);
      if (secret === null)
        throw FeatureApiUnauthorized('writing a flag needs a bearer token with write scope');
      const principal = await principalFor(deps.tokens, secret);
      if (!FLAG_KEY_PATTERN.test(flagName))
        throw new FeatureApiInputError([
          { path: 'params.flagName', message: `a flag name matches ${FLAG_KEY_PATTERN}` },
        ]);
      const config = parse(featureApiFlagSchema, request.body, 'body');
      const named = (request.query as { environment?: unknown }).environment;
      const environments = config.environments?.length
        ? [...new Set(config.environments)]
        : [typeof named === 'string' && named ? named : deps.defaultEnvironment()];
      requireWrite(principal, environments);
      const spec = toFlagDefinition(config);
      const kind = deps.resources.registry.get('Flag');
      const result = await deps.resources.apply(
        environments.map((environment, i) => ({
          kind,
          name: flagName,
          environment,
          spec,
          source: config.environments?.length ? `body.environments[${i}]` : 'query.environment',
          // the simple feature API writes flagd flags: loaded as flagd loads them
          lenient: true,
        })),
        { subject: principal.subject, requestId: request.id, scopes: principal.scopes },
        false,
      );
      return reply.send({
        success: true,
        flagName,
        environments: result.results.map((r) => ({
          environment: r.environment,
          action: r.action,
          version: r.version,
        })),
      });
    },
  });
}

function requireWrite(principal: Principal, environments: string[]): void {
  for (const environment of environments)
    if (!scopesGrant(principal.scopes, 'write', environment))
      throw FeatureApiForbidden(
        `the token (${principal.scopes.join(', ') || 'no scopes'}) may not write flags in "${environment}"`,
      );
}

/** Every failure in the feature API's `{"error": ...}` shape, with JSON paths for bad fields. */
function featureApiErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof FeatureApiInputError)
    return reply.status(400).send({ error: error.message, errors: error.fields });
  if (isSluiceError(error) && error.status < 500) {
    return reply
      .status(error.status)
      .send({ error: error.detail, ...(error.fields.length ? { errors: error.fields } : {}) });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return reply.status(status).send({ error: error.message });
  const storage = storageError(error);
  if (storage) return reply.status(storage.status).header('retry-after', '5').send({ error: storage.detail });
  request.log.error({ err: error }, 'feature API request failed');
  return reply.status(500).send({ error: 'an internal error occurred; the request id identifies it' });
}
