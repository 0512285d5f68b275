/**
 * Turns documents (parsed YAML/JSON) into validated resources, without touching storage: the
 * server's apply and the CLI's offline `validate` share it. Every problem in every document is
 * reported at once, each with its JSON path (`documents[2].spec.stages[0].strategy`).
 */
import { type FieldError, ValidationFailed } from '@sluice/core';
import { zodFields } from '../http/problem.js';
import type { AnyKind, RecognisedResource } from './kind.js';
import type { KindRegistry } from './registry.js';
import { DEFAULT_NAME, resourceDocumentSchema } from './resource.schema.js';

export interface NormalizedResource {
  kind: AnyKind;
  name: string;
  /** null for kinds without an environment. */
  environment: string | null;
  spec: unknown;
  /** The version the writer read, when given: a stale one is refused. */
  expectedVersion?: number;
  /** `documents[2]`, or the caller's source name (`flags.yaml#2`). */
  source: string;
  /** From a bare document its tool loads leniently (flagd mode): tolerated problems warn. */
  lenient?: boolean;
}

export interface NormalizeOptions {
  defaultEnvironment: string;
  sources?: string[] | undefined;
}

export function normalizeDocuments(
  registry: KindRegistry,
  documents: unknown[],
  options: NormalizeOptions,
): NormalizedResource[] {
  const fields: FieldError[] = [];
  const out: NormalizedResource[] = [];
  documents.forEach((document, index) => {
    const path = `documents[${index}]`;
    const source = options.sources?.[index] ?? path;
    try {
      for (const r of normalizeOne(registry, document, path, source, options.defaultEnvironment, fields))
        out.push(r);
    } catch (error) {
      const e = error as { fields?: FieldError[]; message?: string };
      fields.push(...(e.fields?.length ? e.fields : [{ path, message: e.message ?? String(error) }]));
    }
  });
  const seen = new Map<string, string>();
  for (const r of out) {
    const key = `${r.kind.kind}/${r.environment ?? ''}/${r.name}`;
    const first = seen.get(key);
    if (first)
      fields.push({ path: r.source, message: `${r.kind.kind} "${r.name}" also appears in ${first}` });
    else seen.set(key, r.source);
  }
  if (fields.length) {
    throw ValidationFailed(
      `${fields.length} problem${fields.length > 1 ? 's' : ''} in the documents: ${fields
        .slice(0, 5)
        .map((f) => `${f.path}: ${f.message}`)
        .join('; ')}${fields.length > 5 ? '; …' : ''}`,
      { fields },
    );
  }
  return out.sort((a, b) => (a.kind.applyOrder ?? 50) - (b.kind.applyOrder ?? 50));
}

function normalizeOne(
  registry: KindRegistry,
  document: unknown,
  path: string,
  source: string,
  defaultEnvironment: string,
  fields: FieldError[],
): NormalizedResource[] {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    fields.push({ path, message: 'a document is an object' });
    return [];
  }
  const doc = document as Record<string, unknown>;
  const isResourceForm =
    typeof doc.kind === 'string' &&
    'spec' in doc &&
    'metadata' in doc &&
    (doc.apiVersion === undefined || doc.apiVersion === 'sluice/v1');
  if (isResourceForm && registry.find(doc.kind as string)) {
    const parsed = resourceDocumentSchema.safeParse(doc);
    if (!parsed.success) {
      fields.push(...zodFields(path, parsed.error));
      return [];
    }
    const kind = registry.getForDocument(parsed.data.kind, `${path}.kind`);
    const resource = finish(
      kind,
      {
        name: parsed.data.metadata.name,
        environment: parsed.data.metadata.environment,
        spec: parsed.data.spec,
      },
      path,
      source,
      defaultEnvironment,
      fields,
    );
    if (resource && parsed.data.metadata.version !== undefined)
      resource.expectedVersion = parsed.data.metadata.version;
    return resource ? [resource] : [];
  }
  for (const kind of registry.all()) {
    if (!kind.recognise || kind.appliable === false) continue;
    const recognised = kind.recognise(doc);
    if (!recognised) continue;
    return recognised.flatMap((r, i) => {
      const yielded = r.kind ? registry.getForDocument(r.kind, path) : kind;
      const one = finish(
        yielded,
        r,
        recognised.length > 1 ? `${path}[${i}]` : path,
        // each resource of a multi-resource document is found by its index in it
        recognised.length > 1 ? `${source}[${i}]` : source,
        defaultEnvironment,
        fields,
      );
      return one ? [one] : [];
    });
  }
  if (typeof doc.kind === 'string') {
    fields.push({
      path: `${path}.kind`,
      message: `unknown kind "${doc.kind}"; known kinds: ${registry.names().join(', ')}`,
    });
  } else {
    fields.push({
      path,
      message: `not a Sluice document: expected kind + metadata.name + spec, or a document a kind recognises (known kinds: ${registry.names().join(', ')})`,
    });
  }
  return [];
}

/** Validates one resource of a known kind; throws VALIDATION_FAILED with paths under `path`. */
export function normalizeResource(
  kind: AnyKind,
  r: RecognisedResource,
  path: string,
  defaultEnvironment: string,
): NormalizedResource {
  const fields: FieldError[] = [];
  const resource = finish(kind, r, path, path, defaultEnvironment, fields);
  if (!resource) throw ValidationFailed(fields.map((f) => `${f.path}: ${f.message}`).join('; '), { fields });
  return resource;
}

function finish(
  kind: AnyKind,
  r: RecognisedResource,
  path: string,
  source: string,
  defaultEnvironment: string,
  fields: FieldError[],
): NormalizedResource | null {
  if (kind.appliable === false) {
    fields.push({ path: `${path}.kind`, message: `${kind.kind} resources cannot be applied from files` });
    return null;
  }
  const before = fields.length;
  const name = (kind.name ?? DEFAULT_NAME).safeParse(r.name);
  if (!name.success) fields.push(...zodFields(`${path}.metadata.name`, name.error));
  if (!kind.environmentScoped && r.environment !== undefined) {
    fields.push({
      path: `${path}.metadata.environment`,
      message: `${kind.kind} resources do not live in an environment`,
    });
  }
  const spec = kind.spec.safeParse(r.spec);
  if (!spec.success) fields.push(...zodFields(`${path}.spec`, spec.error));
  if (fields.length > before || !spec.success || !name.success) return null;
  return {
    kind,
    name: name.data,
    environment: kind.environmentScoped ? (r.environment ?? defaultEnvironment) : null,
    spec: spec.data,
    source,
    ...(r.lenient ? { lenient: true } : {}),
  };
}
