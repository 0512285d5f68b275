/**
 * The watch slice: `GET /api/v1/watch`, server-sent events of what changes (resources, rollout
 * runs, emergencies, flag sets), fed by the other slices' change listeners.
 */

import type { EmergencyService } from '../flags/emergency/emergency.service.js';
import type { FlagSetCache } from '../flags/flag-sets.js';
import type { TokenVerifier } from '../http/auth.js';
import type { ResourceService } from '../resources/resources.service.js';
import { summarise } from '../rollouts/run.schema.js';
import type { RolloutRuntime } from '../rollouts/runtime.js';
import type { SliceContext } from '../slice.js';
import { watchRoutes } from './watch.routes.js';
import { DEFAULT_WATCH_LIMITS, WatchHub, type WatchLimits } from './watch-hub.js';

export interface WatchNeeds {
  resources: Pick<ResourceService, 'onChange'>;
  runtime: Pick<RolloutRuntime, 'onTransition'>;
  emergency: Pick<EmergencyService, 'onChange'>;
  flagSets: Pick<FlagSetCache, 'onChange'>;
  tokens: TokenVerifier;
  limits?: Partial<WatchLimits>;
}

export function watchSlice(_ctx: SliceContext, needs: WatchNeeds) {
  const hub = new WatchHub({ ...DEFAULT_WATCH_LIMITS, ...needs.limits });
  // flag sets are also rebuilt without a change: only a new digest is news
  const digests = new Map<string, string>();
  const unsubscribe = [
    needs.resources.onChange((c) =>
      hub.publish('resource', c.environment, {
        kind: c.kind,
        name: c.name,
        environment: c.environment,
        action: c.action,
        version: c.resource?.metadata.version ?? null,
      }),
    ),
    needs.runtime.onTransition((run, result) =>
      hub.publish('run', run.environment, summarise({ ...run, state: result.state })),
    ),
    needs.emergency.onChange((state) => hub.publish('emergency', state.environment, state)),
    needs.flagSets.onChange((flags) => {
      if (digests.get(flags.environment) === flags.digest) return;
      digests.set(flags.environment, flags.digest);
      hub.publish('flags', flags.environment, { environment: flags.environment });
    }),
  ];
  return {
    hub,
    routes: watchRoutes(hub, needs.tokens),
    // open streams would keep the HTTP server from closing
    drain() {
      for (const stop of unsubscribe) stop();
      hub.close();
    },
  };
}
