/** The emergency slice: per-environment emergency stop, its routes, and its state for others. */
import type { SliceContext } from '../../slice.js';
import { emergencyRoutes } from './emergency.routes.js';
import { EmergencyService } from './emergency.service.js';

export async function emergencySlice(
  ctx: SliceContext,
  needs: { environmentExists: (name: string) => Promise<void> },
) {
  const service = new EmergencyService(ctx.db, ctx.now);
  await service.start();
  return {
    service,
    /** Emergency state by environment, for every slice that reads it. */
    status: (environment: string) => service.status(environment),
    routes: emergencyRoutes(service, needs.environmentExists),
    stop: () => service.stop(),
  };
}
