/**
 * Credentials for a template's provider from its `secretRef`, read when a query runs so a rotated
 * secret applies. Flagger's secret keys: `username` + `password` (basic auth) or `token` (bearer);
 * Sluice adds `headers` for APIs that want keys of their own (Datadog's `DD-API-KEY`). A secret
 * that is not JSON is a bearer token.
 */
import type { SecretRef } from '../../secrets/secrets.js';
import { type MetricTemplateSpec, secretNameOf } from './metric-template.schema.js';

export interface SecretSource {
  resolve(ref: SecretRef): string;
}

export function authHeaders(
  spec: MetricTemplateSpec,
  secrets: SecretSource | undefined,
): Record<string, string> {
  const ref = spec.provider.secretRef;
  if (!ref) return {};
  const name = secretNameOf(ref.name);
  if (!secrets) throw new Error(`secret ${name} cannot be read here`);
  const raw = secrets.resolve({ secretRef: name });
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { authorization: `Bearer ${raw.trim()}` };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`secret ${name} must be a JSON object with username and password, token, or headers`);
  const v = value as Record<string, unknown>;
  const out: Record<string, string> = {};
  if (v.headers !== undefined) {
    if (!v.headers || typeof v.headers !== 'object' || Array.isArray(v.headers))
      throw new Error(`secret ${name}: headers must be an object of strings`);
    for (const [k, h] of Object.entries(v.headers)) {
      if (typeof h !== 'string') throw new Error(`secret ${name}: header ${k} must be a string`);
      out[k.toLowerCase()] = h;
    }
  }
  if (typeof v.token === 'string') out.authorization = `Bearer ${v.token}`;
  else if (typeof v.username === 'string' && typeof v.password === 'string')
    out.authorization = `Basic ${Buffer.from(`${v.username}:${v.password}`).toString('base64')}`;
  else if (v.headers === undefined)
    throw new Error(`secret ${name} must hold username and password, token, or headers`);
  return out;
}
