/** The tokens slice: API tokens, their routes, and the first admin token. */
import type { SliceContext } from '../slice.js';
import { bootstrapAdminToken } from './bootstrap.js';
import { tokenRoutes } from './tokens.routes.js';
import { TokenService } from './tokens.service.js';

export async function tokensSlice(ctx: SliceContext) {
  const service = new TokenService(ctx.db, ctx.now, ctx.database.bus);
  const bootstrap = await bootstrapAdminToken(service, {
    adminToken: ctx.config.adminToken,
    dataDir: ctx.config.dataDir,
  });
  return { service, bootstrap, routes: tokenRoutes(service), stop: () => service.close() };
}
