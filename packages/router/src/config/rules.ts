import type { z } from 'zod';

/**
 * Cross-field rules of a snapshot, run by the zod schema itself (so whoever imports the schema
 * gets them) and reported with the path of the offending field.
 */

interface RouteShape {
  versions: { name: string }[];
  weights: Record<string, number>;
  match: { version: string }[];
  mirror?: { version: string } | undefined;
}

interface SnapshotShape {
  routes: { name: string; host?: string | undefined; pathPrefix: string }[];
}

export function normalizePrefix(prefix: string): string {
  return prefix.length > 1 && prefix.endsWith('/') ? prefix.replace(/\/+$/, '') || '/' : prefix;
}

export function checkRoute(route: RouteShape, ctx: z.RefinementCtx): void {
  const names = new Set<string>();
  route.versions.forEach((v, i) => {
    if (names.has(v.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['versions', i, 'name'],
        message: `duplicate version "${v.name}"`,
      });
    }
    names.add(v.name);
  });
  let sum = 0;
  for (const [name, weight] of Object.entries(route.weights)) {
    sum += weight;
    if (!names.has(name)) {
      ctx.addIssue({ code: 'custom', path: ['weights', name], message: `unknown version "${name}"` });
    }
  }
  if (sum !== 100) {
    ctx.addIssue({
      code: 'custom',
      path: ['weights'],
      message: `weights must sum to 100 (they sum to ${sum})`,
    });
  }
  route.match.forEach((rule, i) => {
    if (!names.has(rule.version)) {
      ctx.addIssue({
        code: 'custom',
        path: ['match', i, 'version'],
        message: `unknown version "${rule.version}"`,
      });
    }
  });
  if (route.mirror && !names.has(route.mirror.version)) {
    ctx.addIssue({
      code: 'custom',
      path: ['mirror', 'version'],
      message: `unknown version "${route.mirror.version}"`,
    });
  }
}

export function checkSnapshot(snapshot: SnapshotShape, ctx: z.RefinementCtx): void {
  const names = new Map<string, number>();
  const places = new Map<string, number>();
  snapshot.routes.forEach((route, i) => {
    const sameName = names.get(route.name);
    if (sameName !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['routes', i, 'name'],
        message: `duplicate route name "${route.name}" (also routes[${sameName}])`,
      });
    } else {
      names.set(route.name, i);
    }
    const key = `${route.host ?? '*'} ${normalizePrefix(route.pathPrefix)}`;
    const samePlace = places.get(key);
    if (samePlace !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['routes', i, 'pathPrefix'],
        message: `host ${route.host ?? '(any)'} and prefix ${route.pathPrefix} are already routed by routes[${samePlace}]`,
      });
    } else {
      places.set(key, i);
    }
  });
}
