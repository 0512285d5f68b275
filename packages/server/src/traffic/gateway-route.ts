import { ValidationFailed } from '@sluice/core/errors';
import { z } from 'zod';
import type { AppliedTraffic, Backends, MatchRule, Mirror } from './model.js';
import { serverWeights, versionPercents } from './weights.js';

// Pure translation between Sluice's traffic state and a Gateway API HTTPRoute's `spec.rules`:
// one rule per match rule (first match wins, as Gateway API orders header/query matches ahead
// of plain path matches), then a default rule with the weighted backendRefs and the mirror.

/** Which version each upstream belongs to (Gateway API backendRefs have no labels). */
export const VERSIONS_ANNOTATION = 'sluice.dev/versions';

const backendRefSchema = z.looseObject({
  group: z.string().optional(),
  kind: z.string().optional(),
  name: z.string(),
  namespace: z.string().optional(),
  port: z.number().int().optional(),
  weight: z.number().int().optional(),
});
const nameValueSchema = z.looseObject({ type: z.string().optional(), name: z.string(), value: z.string() });
const ruleSchema = z.looseObject({
  matches: z
    .array(
      z.looseObject({
        headers: z.array(nameValueSchema).optional(),
        queryParams: z.array(nameValueSchema).optional(),
      }),
    )
    .optional(),
  filters: z
    .array(
      z.looseObject({
        type: z.string(),
        requestMirror: z
          .looseObject({ backendRef: backendRefSchema, percent: z.number().int().optional() })
          .optional(),
      }),
    )
    .optional(),
  backendRefs: z.array(backendRefSchema).optional(),
});

export const httpRouteSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    resourceVersion: z.string().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({ rules: z.array(ruleSchema).optional() }),
});

export type HttpRoute = z.infer<typeof httpRouteSchema>;
type BackendRef = z.infer<typeof backendRefSchema>;
type Rule = z.infer<typeof ruleSchema>;

/** `http://svc:port` (the route's namespace) or `http://svc.ns.svc[.cluster.local]:port` → a Service ref. */
export function serviceRefOf(url: string, path: string): { name: string; namespace?: string; port: number } {
  const u = new URL(url);
  const m =
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)(?:\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?)?$/.exec(
      u.hostname,
    );
  if (!m) {
    throw ValidationFailed(`${path}: not a Kubernetes Service URL`, {
      fields: [{ path, message: 'expected http://<service>[.<namespace>.svc]:<port>' }],
    });
  }
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  return m[3] === undefined ? { name: m[1]!, port } : { name: m[1]!, namespace: m[3], port };
}

/** The canonical URL read back for a ref: namespace omitted when it is the route's own. */
export function urlOfRef(ref: BackendRef, routeNamespace: string): string {
  const ns = ref.namespace && ref.namespace !== routeNamespace ? `.${ref.namespace}.svc` : '';
  return `http://${ref.name}${ns}:${ref.port ?? 80}`;
}

const refKey = (ref: BackendRef, routeNamespace: string) => urlOfRef(ref, routeNamespace);

function versionsByUrl(route: HttpRoute, routeNamespace: string): Map<string, string> {
  const out = new Map<string, string>();
  const raw = route.metadata.annotations?.[VERSIONS_ANNOTATION];
  if (!raw) return out;
  try {
    const backends = JSON.parse(raw) as Backends;
    for (const [version, urls] of Object.entries(backends)) {
      for (const url of urls) {
        // Normalise to the same canonical form the refs are read back in.
        const ref = serviceRefOf(url, 'annotation');
        out.set(refKey(ref, routeNamespace), version);
      }
    }
  } catch {
    // A hand-edited annotation that does not parse: versions fall back to service names.
  }
  return out;
}

const isMatchRule = (rule: Rule) =>
  (rule.matches ?? []).some((m) => (m.headers?.length ?? 0) > 0 || (m.queryParams?.length ?? 0) > 0);

/** Reads the applied state from a route's rules. Refs without a known version count as a version named after their Service. */
export function trafficFromRoute(route: HttpRoute, routeNamespace: string): AppliedTraffic {
  const known = versionsByUrl(route, routeNamespace);
  const versionOf = (ref: BackendRef) => known.get(refKey(ref, routeNamespace)) ?? ref.name;
  const rules = route.spec.rules ?? [];
  const defaults = rules.filter((r) => !isMatchRule(r));
  const main = defaults.at(-1) ?? { backendRefs: [] };

  const backends: Backends = {};
  const servers: Array<{ version: string; weight: number }> = [];
  for (const ref of main.backendRefs ?? []) {
    const version = versionOf(ref);
    backends[version] = [...(backends[version] ?? []), urlOfRef(ref, routeNamespace)];
    servers.push({ version, weight: ref.weight ?? 1 }); // Gateway API's default weight is 1
  }

  const matchRules: MatchRule[] = [];
  for (const rule of rules.filter(isMatchRule)) {
    const target = rule.backendRefs?.[0];
    const match = rule.matches?.[0];
    if (!target || !match) continue;
    const header = match.headers?.[0];
    const query = match.queryParams?.[0];
    const source = header ? 'header' : 'query';
    const nv = header ?? query;
    if (nv) matchRules.push({ source, name: nv.name, value: nv.value, version: versionOf(target) });
  }

  const mirrorFilter = main.filters?.find((f) => f.type === 'RequestMirror')?.requestMirror;
  const mirror: Mirror | null = mirrorFilter
    ? { version: versionOf(mirrorFilter.backendRef), percent: mirrorFilter.percent ?? 100 }
    : null;
  return { backends, weights: versionPercents(servers), matchRules, mirror };
}

/** The `spec.rules` for a state; `pathPrefix` scopes every rule. Gateway API weights go up to 1,000,000. */
export function rulesForTraffic(next: AppliedTraffic, pathPrefix: string): Rule[] {
  const path = { path: { type: 'PathPrefix', value: pathPrefix } };
  const refsOf = (version: string, weight: number): BackendRef[] =>
    (next.backends[version] ?? []).map((url, i) => ({
      ...serviceRefOf(url, `backends.${version}[${i}]`),
      weight,
    }));
  const perRef = serverWeights(next.weights, next.backends, 1_000_000);

  const rules: Rule[] = next.matchRules.map((r) => ({
    matches: [
      {
        ...path,
        [r.source === 'header' ? 'headers' : 'queryParams']: [
          { type: 'Exact', name: r.name, value: r.value },
        ],
      },
    ],
    backendRefs: refsOf(r.version, 1),
  }));
  const main: Rule = {
    matches: [path],
    backendRefs: Object.keys(next.backends).flatMap((v) => refsOf(v, perRef[v] ?? 0)),
  };
  if (next.mirror) {
    const [ref] = refsOf(next.mirror.version, 1);
    if (ref) {
      const { weight: _unused, ...backendRef } = ref;
      main.filters = [{ type: 'RequestMirror', requestMirror: { backendRef, percent: next.mirror.percent } }];
    }
  }
  rules.push(main);
  return rules;
}
