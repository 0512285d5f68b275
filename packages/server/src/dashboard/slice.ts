/** The dashboard slice: the built web UI at `/` (see static.ts), mounted beside the route table. */
import type { SluiceApp } from '../http/app.js';
import type { SliceContext } from '../slice.js';
import { mountDashboard } from './static.js';

/** Without a folder there is no dashboard: embedders and tests keep `/` to themselves. */
export function dashboardSlice(_ctx: SliceContext, needs: { dir: string | undefined }) {
  return {
    mount(app: SluiceApp) {
      if (needs.dir !== undefined) mountDashboard(app.fastify, needs.dir);
    },
  };
}
