/**
 * The embedded router's traffic since the last summary, for the server log's periodic line:
 * `web-frontend 1.0.0 1100, 2.0.0 134 (67 errors)`. The router logs no request one by one.
 */
import type { Router } from '@sluice/router';
import type { SummarySource } from '../http/request-log.js';

export function routerTrafficSummary(router: Pick<Router, 'metrics'>): SummarySource {
  const seen = new Map<string, { requests: number; errors: number }>();
  return () => {
    const byRoute = new Map<string, string[]>();
    let total = 0;
    for (const t of router.metrics.totals()) {
      const key = `${t.route}\u0000${t.version}`;
      const before = seen.get(key) ?? { requests: 0, errors: 0 };
      seen.set(key, { requests: t.requests, errors: t.errors });
      const requests = t.requests - before.requests;
      const errors = t.errors - before.errors;
      if (requests <= 0) continue;
      total += requests;
      const parts = byRoute.get(t.route) ?? [];
      parts.push(`${t.version} ${requests}${errors > 0 ? ` (${errors} errors)` : ''}`);
      byRoute.set(t.route, parts);
    }
    if (total === 0) return null;
    return `${total}: ${[...byRoute].map(([route, parts]) => `${route} ${parts.join(', ')}`).join('; ')}`;
  };
}
