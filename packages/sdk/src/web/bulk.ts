/** One OFREP bulk evaluation: the user's context in, every flag's answer out (ETag-aware). */
import { describe, StreamRefused } from '../stream/sse.js';

/** One flag's OFREP answer: a success (`value` absent means "use the caller's default") or an error. */
export interface OfrepFlag {
  key: string;
  value?: unknown;
  variant?: string;
  reason?: string;
  errorCode?: string;
  errorDetails?: string;
  metadata?: Record<string, string | number | boolean>;
}

export type BulkAnswer =
  | { status: 200; flags: Map<string, OfrepFlag>; etag: string | undefined }
  | { status: 304 };

export async function fetchBulk(
  url: string,
  headers: Record<string, string>,
  context: unknown,
  etag: string | undefined,
  fetcher: typeof fetch,
): Promise<BulkAnswer> {
  const res = await fetcher(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', ...(etag ? { 'if-none-match': etag } : {}) },
    body: JSON.stringify({ context }),
  });
  if (res.status === 304) return { status: 304 };
  const text = await res.text();
  if (res.status !== 200) throw new StreamRefused(res.status, describe(text, res.statusText));
  const body = JSON.parse(text) as { flags?: unknown };
  if (!body || !Array.isArray(body.flags)) throw new Error('the bulk evaluation has no "flags" list');
  const flags = new Map<string, OfrepFlag>();
  for (const entry of body.flags as OfrepFlag[]) {
    if (entry && typeof entry.key === 'string') flags.set(entry.key, entry);
  }
  return { status: 200, flags, etag: res.headers.get('etag') ?? undefined };
}

/** Keys whose answer differs between two bulk results. */
export function changedKeys(before: Map<string, OfrepFlag>, after: Map<string, OfrepFlag>): string[] {
  const changed: string[] = [];
  for (const [key, flag] of after) {
    const old = before.get(key);
    if (!old || JSON.stringify(old) !== JSON.stringify(flag)) changed.push(key);
  }
  for (const key of before.keys()) if (!after.has(key)) changed.push(key);
  return changed;
}
