/**
 * One place decides what a write needs (SECURITY.md, "Operator configuration").
 *
 * A kind's base scope (`writeScope`, default `write`) is granted per environment; a field that
 * reaches the host — a binary or config path, a command, a provider endpoint or credential, a
 * webhook URL — needs `admin`, and only when the write changes it (a `write:staging` token may
 * still edit the rest of a Service an admin connected). Kinds name those fields in `hostReach`;
 * a write path that is not a resource write (a feature route) calls `writeNeeds` itself.
 * `ResourceService` enforces it on every write: resource apply, the per-kind routes, the feature
 * API, and what a rollout run writes later with its starter's scopes. A spec that will act in
 * another environment later (a rollout stage's `config.environment`) names it in
 * `environmentReach`: writing it needs `write` there too.
 *
 * Ownership: a resource of a kind not scoped to an environment may still belong to one (a
 * Route's `spec.environment`, `owner` below). The write needs the scope in the owner's
 * environment, and in the owner it had before: no token takes another environment's resource
 * (or the operator's, which has no owner) by renaming the owner.
 */
import { canonicalJson, defineError, Forbidden } from '@sluice/core';
import { scopesGrant } from '@sluice/core/auth';

export const OperatorOnly = defineError(
  'OPERATOR_ONLY',
  403,
  'Only an admin token or the operator configuration may set this',
);

/** A field of a spec that reaches the host; `value` is what the spec sets there. */
export interface HostReach {
  /** Dotted path under the spec: `deploy.connection`. */
  path: string;
  value: unknown;
  /** Why it is operator-only, for the error: "runs commands on the control plane host". */
  why: string;
}

/** Another environment a spec acts in later; `path` is where the spec names it. */
export interface EnvironmentReach {
  /** Dotted path under the spec: `stages[0].config.environment`. */
  path: string;
  environment: string;
  /** What acts there, for the error: `stage "flip" writes flag "checkout"`. */
  what: string;
  /** All that decides what it does there (the whole stage): a change to it needs `write` there. */
  value: unknown;
}

/** What the rule needs from a kind (a `KindDefinition` is one). */
export interface WriteRule<Spec = unknown> {
  kind: string;
  /** Scope needed to write any of it; default `write`. */
  writeScope?: 'write' | 'admin' | undefined;
  /** The host-reaching fields a spec sets (see the module comment). */
  hostReach?: ((spec: Spec) => HostReach[]) | undefined;
  /** The environment a resource of a kind not scoped to one belongs to (see the module comment). */
  owner?: ((spec: Spec) => string | null) | undefined;
  /** The other environments a spec stored in `environment` acts in later (see the module comment). */
  environmentReach?: ((spec: Spec, environment: string | null) => EnvironmentReach[]) | undefined;
}

export interface WriteNeeds {
  /** The scope the write needs in `environment`: `admin` when it changes a host-reaching field. */
  scope: 'write' | 'admin';
  environment: string | null;
  /** The host-reaching fields this write changes (empty when none). */
  operatorOnly: HostReach[];
}

/**
 * What writing `document` needs; `before` is the stored spec it replaces (fields it leaves as
 * they were need nothing more than the kind's base scope).
 */
export function writeNeeds<Spec>(
  rule: WriteRule<Spec>,
  document: { environment: string | null; spec: Spec },
  before?: Spec | null,
): WriteNeeds {
  const base = rule.writeScope ?? 'write';
  const reach = rule.hostReach?.(document.spec) ?? [];
  const was = new Map<string, string>();
  if (before != null && reach.length)
    for (const r of rule.hostReach?.(before) ?? []) was.set(r.path, canonicalJson(r.value ?? null));
  const operatorOnly = reach.filter((r) => was.get(r.path) !== canonicalJson(r.value ?? null));
  return {
    scope: operatorOnly.length ? 'admin' : base,
    environment: document.environment ?? rule.owner?.(document.spec) ?? null,
    operatorOnly,
  };
}

/**
 * Throws FORBIDDEN (base scope missing) or OPERATOR_ONLY (a host-reaching field changed without
 * admin) unless `scopes` may make this write. `source` prefixes field paths (`documents[0]`).
 */
export function assertMayWrite<Spec>(
  scopes: readonly string[],
  rule: WriteRule<Spec>,
  document: { name: string; environment: string | null; spec: Spec },
  options: { before?: Spec | null; source?: string } = {},
): void {
  assertMayReach(scopes, rule, document, options);
  const needs = writeNeeds(rule, document, options.before);
  const held = scopes.join(', ') || 'no scopes';
  if (rule.owner && options.before != null) {
    // the owner it had: changing or taking it needs that environment's scope too
    const was = document.environment ?? rule.owner(options.before);
    if (was !== needs.environment && !scopesGrant(scopes, rule.writeScope ?? 'write', was))
      throw Forbidden(
        `${rule.kind} "${document.name}" belongs to ${was ? `environment "${was}"` : 'the operator (no environment)'}; changing its owner needs the "${rule.writeScope ?? 'write'}" scope there; the token has ${held}`,
      );
  }
  if (scopesGrant(scopes, needs.scope, needs.environment)) return;
  const where = needs.environment ? ` in environment "${needs.environment}"` : '';
  if (!needs.operatorOnly.length || !scopesGrant(scopes, rule.writeScope ?? 'write', needs.environment))
    throw Forbidden(
      `writing ${rule.kind} "${document.name}" needs the "${rule.writeScope ?? 'write'}" scope${where}; the token has ${held}`,
    );
  const prefix = `${options.source ?? 'body'}.spec`;
  const fields = needs.operatorOnly.map((r) => ({ path: `${prefix}.${r.path}`, message: r.why }));
  throw OperatorOnly(
    `${rule.kind} "${document.name}": ${fields.map((f) => f.path).join(', ')} reach the host; only an admin token may set them, or refer to a name from the operator configuration (SLUICE_CONFIG). The token has ${held}`,
    { fields },
  );
}

/**
 * Throws FORBIDDEN when the spec reaches an environment where `scopes` grant no `write`, unless
 * `before` reached it the same way (same path, environment and value: an admin's cross-environment
 * stage left as it was). What a token could not write itself, it cannot set up for later either.
 */
function assertMayReach<Spec>(
  scopes: readonly string[],
  rule: WriteRule<Spec>,
  document: { name: string; environment: string | null; spec: Spec },
  options: { before?: Spec | null; source?: string },
): void {
  const reach = rule.environmentReach?.(document.spec, document.environment) ?? [];
  if (!reach.length) return;
  const was = new Set(
    options.before != null ? rule.environmentReach?.(options.before, document.environment).map(reachKey) : [],
  );
  const refused = reach.filter((r) => !was.has(reachKey(r)) && !scopesGrant(scopes, 'write', r.environment));
  if (!refused.length) return;
  const prefix = `${options.source ?? 'body'}.spec`;
  const fields = refused.map((r) => ({
    path: `${prefix}.${r.path}`,
    message: `${r.what} in environment "${r.environment}", which the token may not write`,
  }));
  throw Forbidden(
    `${rule.kind} "${document.name}": ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}; the token has ${scopes.join(', ') || 'no scopes'}`,
    { fields },
  );
}

const reachKey = (r: EnvironmentReach) =>
  `${r.path}\u0000${r.environment}\u0000${canonicalJson(r.value ?? null)}`;
