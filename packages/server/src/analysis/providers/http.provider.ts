/**
 * `http`: any JSON endpoint (Datadog-, New Relic-style APIs). The template's `provider.address`
 * is the URL (its `{{ variables }}` percent-encoded), `body` makes it a POST, `query` is an
 * RFC 9535 JSONPath (the `jsonpath-rfc9535` library, no script evaluation) picking exactly one
 * number; `samplesQuery`, another JSONPath, the samples behind it. Anything else is an
 * inconclusive measurement saying why.
 */
import type { Measurement } from '@sluice/core/analysis';
import { query as jsonPath } from 'jsonpath-rfc9535';
import { authHeaders, type SecretSource } from '../templates/auth.js';
import { render } from '../templates/render.js';
import type { MetricProvider, MetricQuery } from './metric-provider.js';
import { inconclusive, messageOf, tidy } from './readings.js';

export interface HttpProviderOptions {
  secrets?: SecretSource;
  /** Per request. Default 5 s. */
  timeoutMs?: number;
  /** Larger answers are refused. Default 1 MiB. */
  maxBytes?: number;
  fetch?: typeof fetch;
}

/** One number at a JSONPath, or why not. */
export function numberAt(document: unknown, path: string): { value: number } | { reason: string } {
  let found: unknown[];
  try {
    found = jsonPath(document as Parameters<typeof jsonPath>[0], path);
  } catch (error) {
    return { reason: `JSONPath ${path} is not valid: ${messageOf(error)}` };
  }
  if (found.length === 0) return { reason: `JSONPath ${path} matched nothing in the answer` };
  if (found.length > 1)
    return { reason: `JSONPath ${path} matched ${found.length} values where one was expected` };
  const raw = found[0];
  const value =
    typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (Number.isNaN(value)) return { reason: `JSONPath ${path} found ${JSON.stringify(raw)}, not a number` };
  if (!Number.isFinite(value)) return { reason: `JSONPath ${path} found ${raw}, not a finite number` };
  return { value };
}

/** Whether a JSONPath parses (for apply), and the library's message when not. */
export function jsonPathProblem(path: string): string | null {
  try {
    jsonPath({}, path);
    return null;
  } catch (error) {
    return messageOf(error);
  }
}

export class HttpMetricProvider implements MetricProvider {
  readonly type = 'http';
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(private readonly options: HttpProviderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxBytes = options.maxBytes ?? 1 << 20;
  }

  names(): readonly string[] {
    return [];
  }

  async measure(query: MetricQuery): Promise<Measurement> {
    const { metric, template } = query;
    if (template?.provider.type !== 'http' || !template.provider.address)
      return inconclusive(metric, `the http provider reads templates with an address; "${metric}" has none`);
    const url = render(template.provider.address, query, 'url');
    const where = url.replace(/\?.*$/, '');
    let document: unknown;
    try {
      const headers = { accept: 'application/json', ...authHeaders(template, this.options.secrets) };
      const body = template.body === undefined ? undefined : render(template.body, query, 'json');
      const response = await (this.options.fetch ?? fetch)(url, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await readLimited(response, this.maxBytes);
      if (!response.ok)
        return {
          ...inconclusive(metric, `${where} answered ${response.status}: ${text.slice(0, 200)}`),
          providerFailed: true,
        };
      try {
        document = JSON.parse(text);
      } catch {
        return inconclusive(metric, `${where} answered ${response.status} without JSON`);
      }
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      const reason =
        e.name === 'TimeoutError'
          ? `${where} did not answer within ${this.timeoutMs / 1000}s (timeout)`
          : `${where} failed: ${e.cause?.code ?? e.message}`;
      return { ...inconclusive(metric, reason), providerFailed: true };
    }
    const picked = numberAt(document, template.query);
    if ('reason' in picked) return inconclusive(metric, picked.reason);
    let samples = 1;
    if (template.samplesQuery) {
      const count = numberAt(document, template.samplesQuery);
      if ('reason' in count)
        return { ...inconclusive(metric, `samples: ${count.reason}`), value: tidy(picked.value) };
      samples = Math.max(0, Math.round(count.value));
    }
    return { metric, value: tidy(picked.value), sampleCount: samples };
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(`answer of ${declared} bytes is larger than ${maxBytes}`);
  }
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`answer is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
