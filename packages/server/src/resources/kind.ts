/**
 * A kind of resource (Environment, Flag, Rollout, …). Slices describe their kinds with this
 * interface and list them in `server/src/kinds.ts`; the resource machinery (storage, versions,
 * audit, generic routes, apply) needs no change to take a new kind.
 */
import type { FieldError } from '@sluice/core';
import type { z } from 'zod';
import type { Executor } from '../storage/index.js';
import type { StoredResource } from './resource.schema.js';

/** One resource a bare document yields. */
export interface RecognisedResource {
  /** Another kind this document also yields (a flagd file's `$evaluators` become Segments); default: this kind. */
  kind?: string;
  name: string;
  environment?: string | undefined;
  spec: unknown;
}

/** A problem found by `checkSet`: in which resource, where in its spec, what. */
export interface SetProblem {
  kind: string;
  /** null when the problem belongs to no single resource. */
  name: string | null;
  /** JSON path under the resource's spec (may be empty). */
  path: string;
  message: string;
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
   * resource, so a 10,000-flag file costs one check. Problems name the resource they are in.
   */
  checkSet?(ctx: KindContext, environment: string | null): Promise<SetProblem[]>;
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
