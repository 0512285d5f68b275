/**
 * The GitOps slice: GitSource resources, the syncer that applies their commits (one replica at
 * a time per source), `POST /api/v1/gitsources/{name}/sync` and its status, and which commit
 * wrote a resource version (for the release history's lead time).
 */
import type { KindRegistry } from '../resources/registry.js';
import type { ResourceService } from '../resources/resources.service.js';
import { SecretResolver } from '../secrets/index.js';
import type { SliceContext } from '../slice.js';
import { gitopsRoutes } from './gitops.routes.js';
import { createSyncStore } from './sync-store.kysely.js';
import { GitSyncer, type RolloutStarter } from './syncer.js';

export function gitopsSlice(
  ctx: SliceContext,
  needs: { resources: ResourceService; registry: KindRegistry; rollouts: RolloutStarter },
) {
  const secrets = new SecretResolver(process.env, ctx.config.dataDir);
  const syncer = new GitSyncer({
    db: ctx.db,
    resources: needs.resources,
    registry: needs.registry,
    rollouts: needs.rollouts,
    secrets,
    dataDir: ctx.config.dataDir,
    now: ctx.now,
    log: ctx.logError,
  });
  return {
    syncer,
    routes: gitopsRoutes({ syncer, resources: needs.resources, secrets, db: ctx.db, now: ctx.now }),
    /** The commit that wrote this version of a Rollout, when git did. */
    async commitOf(environment: string, rollout: string, version: number) {
      const found = await createSyncStore(ctx.db).appliedVersion('Rollout', environment, rollout, version);
      return found ? { commit: found.commit, committedAt: found.committedAt } : null;
    },
    start: () => syncer.start(),
    stop: () => syncer.stop(),
  };
}
