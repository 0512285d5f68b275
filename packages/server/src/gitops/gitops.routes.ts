import { defineError, Unauthorized } from '@sluice/core';
import { z } from 'zod';
import { verifySignature } from '../deploy/signature.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import type { ResourceService } from '../resources/resources.service.js';
import type { SecretResolver } from '../secrets/index.js';
import type { Executor } from '../storage/index.js';
import { type GitSourceSpec, gitSourceKind } from './git-source.kind.js';
import type { SyncState } from './sync-store.js';
import { createSyncStore } from './sync-store.kysely.js';
import type { GitSyncer } from './syncer.js';

export const GitSyncBusy = defineError('GITSOURCE_SYNC_BUSY', 409, 'Another replica is syncing this source');

const stateSchema = z
  .object({
    source: z.string(),
    status: z.string(),
    commit: z.string().nullable(),
    committedAt: z.string().nullable(),
    attemptedCommit: z.string().nullable(),
    problems: z.array(
      z.object({ file: z.string().nullable(), line: z.number().nullable(), reason: z.string() }),
    ),
    drift: z.array(z.string()),
    checkedAt: z.string().nullable(),
  })
  .meta({ id: 'GitSyncState' });

const never = (source: string): SyncState => ({
  source,
  status: 'never',
  commit: null,
  committedAt: null,
  attemptedCommit: null,
  problems: [],
  drift: [],
  checkedAt: null,
});

const params = z.object({ name: z.string().min(1).max(128) }).strict();

export function gitopsRoutes(deps: {
  syncer: GitSyncer;
  resources: ResourceService;
  secrets: Pick<SecretResolver, 'resolve'>;
  db: Executor;
  now: () => Date;
}): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/gitsources/:name/sync',
      // a git host's webhook has no token: it signs instead (README: the signature)
      scope: 'public',
      summary:
        'Sync a git source now: with an admin token, or signed (Sluice-Signature: sha256=HMAC(webhookSecret, "<Sluice-Timestamp>.<name>"))',
      tag: 'gitops',
      params,
      response: stateSchema,
      async handler({ params, headers, principal, authorize }) {
        const resource = await deps.resources.get(gitSourceKind, null, params.name);
        const spec = resource.spec as GitSourceSpec;
        if (principal.tokenId === null) {
          const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);
          const signed =
            spec.webhookSecret !== undefined &&
            verifySignature({
              secret: deps.secrets.resolve(spec.webhookSecret),
              body: params.name,
              timestamp: one(headers['sluice-timestamp']),
              signature: one(headers['sluice-signature']),
              nowSeconds: Math.floor(deps.now().getTime() / 1000),
            });
          if (!signed)
            throw Unauthorized(
              'this needs an admin token, or a Sluice-Signature by the source’s webhookSecret over "<Sluice-Timestamp>.<name>" within 5 minutes',
            );
        } else authorize('admin', null);
        const state = await deps.syncer.sync(params.name);
        if (!state)
          throw GitSyncBusy(
            `another replica is syncing ${params.name} now; its result will show in the status`,
          );
        return state;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/gitsources/:name/status',
      scope: 'read',
      environment: () => null,
      summary: 'A git source: the commit in force, the newest tried and why it failed, drift',
      tag: 'gitops',
      params,
      response: stateSchema,
      async handler({ params }) {
        await deps.resources.get(gitSourceKind, null, params.name);
        return (await createSyncStore(deps.db).get(params.name)) ?? never(params.name);
      },
    }),
  ];
}
