/** The audit slice: who changed what, read through `GET /api/v1/audit`. */
import type { SliceContext } from '../slice.js';
import { auditRoutes } from './audit.routes.js';

export function auditSlice(ctx: SliceContext) {
  return { routes: auditRoutes(ctx.db) };
}
