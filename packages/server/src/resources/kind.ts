/**
 * A kind of resource (Environment, Flag, Rollout, …). Slices describe their kinds with this
 * interface and list them in `server/src/kinds.ts`; the resource machinery (storage, versions,
 * audit, generic routes, apply) needs no change to take a new kind.
 */
import type { FieldError } from '@sluice/core';
import type { z } from 'zod';
import type { EnvironmentReach, HostReach } from '../authority/write-needs.js';
import type { Executor } from '../storage/index.js';
import type { StoredResource } from './resource.schema.js';

/** One resource a bare document yields. */
export interface RecognisedResource {
  /** Another kind this document also yields (a flagd file's `$evaluators` become Segments); default: this kind. */
  kind?: string;
  name: string;
  environment?: string | undefined;
  spec: unknown;
  /**
   * Loaded as its own tool loads it (a bare flagd file: flagd mode): problems the kind can
   * tolerate are warnings, not refusals. Resource documents and PUTs are never lenient.
   */
  lenient?: boolean;
}

/** A resource one write touched, as `checkSet` sees it. */
export interface WrittenResource {
  kind: string;
  name: string;
  /** Written leniently (see RecognisedResource.lenient) and the request did not ask for strict. */
  lenient: boolean;
}

/** What a kind says about a stored resource beside its spec (`status` in GET answers). */
export interface ResourceStatus {
  /** Problems the resource was accepted with (flagd mode), or got from a change elsewhere. */
  problems: { path: string; message: string; kind: string }[];
}

/** A problem found by `checkSet`: in which resource, where in its spec, what. */
export interface SetProblem {
  kind: string;
  /** null when the problem belongs to no single resource. */
  name: string | null;
  /** JSON path under the resource's spec (may be empty). */
  path: string;
  message: string;
  /** Reported with the write, not refused (a lenient write's tolerated problem). */
  warning?: boolean;
}

/** What a kind's hooks get: the open transaction and who is acting. */
export interface KindContext {
  trx: Executor;
  actor: string;
  /** The acting token's scopes (empty for the system itself). */
  scopes: readonly string[];
  requestId: string | null;
  now: Date;
  /** The caller confirmed a change the kind refuses otherwise (`?confirm=true`, `--confirm`). */
  confirm: boolean;
  /**
   * A rollout's rollback putting back what stood before: emergency mode lets it through (the
   * scopes still apply). Set only by the rollout runtime (rollouts/run-authority.ts).
   */
  restoring?: boolean;
}

export interface KindDefinition<Spec = unknown> {
  /** PascalCase, as written in documents: `Environment`. */
  kind: string;
  /** URL segment and CLI name: `environments`. */
  plural: string;
  /** Other names the CLI accepts: `env`, `environment`. */
  aliases: string[];
  /** Whether each resource lives in an environment (`?environment=`). */
  environmentScoped: boolean;
  /** Validates the spec and gives its type; the parsed value (with defaults) is what is stored. */
  spec: z.ZodType<Spec>;
  /** Resource names; default: letters, digits, `_ . -`, up to 128. */
  name?: z.ZodType<string>;
  /** Scope needed to write; default `write`. */
  writeScope?: 'write' | 'admin';
  /**
   * For a kind not scoped to an environment: the environment a resource belongs to (a Route's
   * `spec.environment`); writing it needs the scope there, before and after the change.
   */
  owner?(spec: Spec): string | null;
  /**
   * The fields of a spec that reach the host (paths, commands, endpoints, credentials): changing
   * one needs `admin` (`authority/write-needs.ts`, enforced by the resource service).
   */
  hostReach?(spec: Spec): HostReach[];
  /**
   * The other environments a spec acts in later (a rollout stage's `config.environment`):
   * setting one needs `write` there too (`authority/write-needs.ts`).
   */
  environmentReach?(spec: Spec, environment: string | null): EnvironmentReach[];
  /** Apply order within one file set: lower first (environments before what lives in them). */
  applyOrder?: number;
  /** False for kinds that have their own routes and cannot be applied from files (tokens). */
  appliable?: boolean;
  /**
   * Recognises a bare document of this kind (the seed's rollout JSON, a flagd flags file);
   * null when the document is not one. One document may yield several resources.
   */
  recognise?(document: Record<string, unknown>): RecognisedResource[] | null;
  /** Checks that need other resources (reference cycles), inside the write transaction. */
  check?(
    ctx: KindContext,
    resource: { name: string; environment: string | null; spec: Spec },
  ): Promise<FieldError[]>;
  /**
   * Checks that need the whole set as it will be after every write of one apply (a flag set
   * still compiles): run once per environment at the end of the transaction, not once per
   * resource, so a 10,000-flag file costs one check. `written`: what this apply wrote there.
   * Problems name the resource they are in; warnings are reported, the rest refused.
   */
  checkSet?(
    ctx: KindContext,
    environment: string | null,
    written: readonly WrittenResource[],
  ): Promise<SetProblem[]>;
  /** The status of stored resources of one environment, by name (flags: problems they carry). */
  status?(
    ctx: { trx: Executor },
    environment: string | null,
    names: readonly string[],
  ): Promise<Map<string, ResourceStatus>>;
  /** Non-fatal findings at write time (a referenced Service that does not exist yet), reported by apply. */
  warn?(
    ctx: KindContext,
    resource: { name: string; environment: string | null; spec: Spec },
  ): Promise<string[]>;
  /** Refuses a delete by throwing (the default environment, an environment still in use). */
  beforeDelete?(ctx: KindContext, resource: StoredResource): Promise<void>;
  /** Runs in the write transaction after a create, update or delete. */
  afterChange?(
    ctx: KindContext,
    change: { before: StoredResource | null; after: StoredResource | null },
  ): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds kinds of every spec type
export type AnyKind = KindDefinition<any>;
