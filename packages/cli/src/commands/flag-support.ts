/** What the flag, schedule and segment commands share: JSON options, queries, read-merge-write. */
import { loadManifests } from '@sluice/server/manifests';
import type { Command } from 'commander';
import type { ApiClient } from '../client/api.js';
import type { CommandContext } from '../context.js';
import { type CliError, usageError } from '../errors.js';

export type Json = Record<string, unknown>;

/** A resource as the API returns it. */
export interface Item<S = Json> {
  kind: string;
  metadata: { name: string; version: number; updatedAt: string; updatedBy: string };
  spec: S;
}

export type Opt = (c: Command, fallback?: string) => Command;
export const envOpt: Opt = (c) =>
  c.option('--env <environment>', 'environment (default: the server default)');
export const outOpt: Opt = (c, fallback = 'table') =>
  c.option('-o, --output <format>', 'table, json or yaml', fallback);

/** A JSON option; bad JSON is bad usage (exit 2) with the parser's message. */
export function jsonOption(option: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw usageError(`${option} is not valid JSON: ${(error as Error).message}`);
  }
}

export function jsonObject(option: string, text: string | undefined): Json | undefined {
  const value = jsonOption(option, text);
  if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value)))
    throw usageError(`${option} must be a JSON object`);
  return value as Json | undefined;
}

export const q = (env: string | undefined, extra: Record<string, string | undefined> = {}) => {
  const params = new URLSearchParams();
  if (env) params.set('environment', env);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : '';
};
export const key = (name: string) => encodeURIComponent(name);

/** Every page of a resource list. */
export async function listAll<S = Json>(
  client: ApiClient,
  plural: string,
  env: string | undefined,
): Promise<Item<S>[]> {
  const items: Item<S>[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.request('GET', `/api/v1/${plural}${q(env, { limit: '1000', cursor })}`);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** The current resource and its version, or null and 0 when it does not exist yet. */
export async function current(client: ApiClient, plural: string, name: string, env: string | undefined) {
  try {
    const r = await client.request('GET', `/api/v1/${plural}/${key(name)}${q(env)}`);
    return { spec: r.spec as Json, version: r.metadata.version as number };
  } catch (error) {
    if ((error as CliError).code === 'NOT_FOUND') return { spec: null, version: 0 };
    throw error;
  }
}

/** A spec from a file: a `kind: Flag|Segment` document, a flagd file holding `name`, or a bare spec. */
export function specFromFile(file: string, kind: 'Flag' | 'Segment', name: string): Json {
  const { documents } = loadManifests([file]);
  if (documents.length !== 1) throw usageError(`${file} holds ${documents.length} documents; give one`);
  const doc = documents[0] as Json;
  if (doc.kind === kind && doc.spec && typeof doc.spec === 'object') return doc.spec as Json;
  const flagd = kind === 'Flag' ? (doc.flags as Json | undefined) : (doc.$evaluators as Json | undefined);
  if (flagd && typeof flagd === 'object') {
    const found = flagd[name];
    if (found === undefined)
      throw usageError(`${file} has no ${kind === 'Flag' ? 'flag' : 'evaluator'} "${name}"`);
    return kind === 'Flag' ? (found as Json) : { rule: found };
  }
  return doc;
}

export async function writeSpec(
  ctx: CommandContext,
  plural: string,
  name: string,
  env: string | undefined,
  build: (spec: Json | null) => Json,
) {
  const client = ctx.client();
  const before = await current(client, plural, name, env);
  const written = await client.request(
    'PUT',
    `/api/v1/${plural}/${key(name)}${q(env)}`,
    { spec: build(before.spec) },
    { 'if-match': `"${before.version}"` },
  );
  const action =
    before.version === 0 ? 'created' : written.metadata.version === before.version ? 'unchanged' : 'updated';
  ctx.io.stdout(`${written.kind}/${name} ${action} (version ${written.metadata.version})\n`);
}
