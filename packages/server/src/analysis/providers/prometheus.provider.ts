/**
 * `prometheus`: a template's PromQL over Prometheus' HTTP API — an instant query at the check's
 * time, or a range query over its window reduced to one value — with basic or bearer auth from
 * the template's `secretRef` and a timeout. Everything that is not exactly one finite number
 * comes back as an inconclusive measurement saying what happened: down, slow, an error status,
 * a refused query, NaN, an empty vector, several series.
 */
import type { Measurement } from '@sluice/core/analysis';
import { parseDuration } from '@sluice/core/rollouts';
import { authHeaders, type SecretSource } from '../templates/auth.js';
import type { MetricTemplateSpec } from '../templates/metric-template.schema.js';
import { render } from '../templates/render.js';
import type { MetricProvider, MetricQuery } from './metric-provider.js';
import { inconclusive, messageOf, tidy } from './readings.js';

export interface PrometheusProviderOptions {
  /** The operator's Prometheus (`--prometheus-url`), for templates without an address. */
  defaultAddress?: string | undefined;
  secrets?: SecretSource;
  /** Per request. Default 5 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** One answer of the API: a number (or NaN, kept to be explained), or why there is none. */
type Answer =
  | { ok: true; value: number; points: number }
  | { ok: false; reason: string; providerFailed?: boolean };

type Sample = [number, string];
interface ApiBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

export class PrometheusMetricProvider implements MetricProvider {
  readonly type = 'prometheus';
  private readonly timeoutMs: number;

  constructor(private readonly options: PrometheusProviderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** It answers templates, not names of its own. */
  names(): readonly string[] {
    return [];
  }

  async measure(query: MetricQuery): Promise<Measurement> {
    const { metric, template } = query;
    if (template?.provider.type !== 'prometheus')
      return inconclusive(metric, `the prometheus provider reads PromQL templates; "${metric}" has none`);
    const address = template.provider.address ?? this.options.defaultAddress;
    if (!address)
      return inconclusive(
        metric,
        `no Prometheus to ask: template of "${metric}" names no address and the server has no --prometheus-url`,
      );
    let headers: Record<string, string>;
    try {
      headers = authHeaders(template, this.options.secrets);
    } catch (error) {
      return inconclusive(metric, `credentials for Prometheus: ${messageOf(error)}`);
    }
    const promql = render(template.query, query, 'promql');
    const value = await this.ask(address, headers, promql, template, query);
    if (!value.ok) return failed(metric, value, promql);
    const problem = unusable(value.value);
    if (problem) return inconclusive(metric, `${problem} from ${oneLine(promql)}`, 0);
    let samples = template.range ? value.points : 1;
    if (template.samplesQuery) {
      const sq = render(template.samplesQuery, query, 'promql');
      const count = await this.ask(address, headers, sq, { ...template, range: undefined }, query);
      if (!count.ok) return { ...failed(metric, count, sq), value: tidy(value.value) };
      samples = Number.isFinite(count.value) ? Math.max(0, Math.round(count.value)) : 0;
    }
    return { metric, value: tidy(value.value), sampleCount: samples };
  }

  /** Checks PromQL at apply: null when Prometheus parsed it, its parse error, or unreachable. */
  async validate(
    spec: MetricTemplateSpec,
    sample: MetricQuery,
  ): Promise<{ refused: string } | { unchecked: string } | null> {
    const address = spec.provider.address ?? this.options.defaultAddress;
    if (!address) return { unchecked: 'no Prometheus address to check the query against' };
    let headers: Record<string, string> = {};
    try {
      headers = authHeaders(spec, this.options.secrets);
    } catch (error) {
      return { unchecked: messageOf(error) };
    }
    for (const text of [spec.query, spec.samplesQuery]) {
      if (text === undefined) continue;
      const body = await this.call(address, headers, 'query', {
        query: render(text, sample, 'promql'),
        time: String(sample.now.getTime() / 1000),
      });
      if ('body' in body && body.body.errorType === 'bad_data')
        return { refused: `Prometheus refused the query: ${body.body.error ?? 'bad data'}` };
      if ('reason' in body) return { unchecked: body.reason };
    }
    return null;
  }

  private async ask(
    address: string,
    headers: Record<string, string>,
    promql: string,
    template: MetricTemplateSpec,
    q: MetricQuery,
  ): Promise<Answer> {
    const end = q.now.getTime() / 1000;
    const range = template.range;
    const answer = range
      ? await this.call(address, headers, 'query_range', {
          query: promql,
          start: String(end - q.windowMs / 1000),
          end: String(end),
          step: String(parseDuration(range.step) / 1000),
        })
      : await this.call(address, headers, 'query', { query: promql, time: String(end) });
    if ('reason' in answer) return { ok: false, reason: answer.reason, providerFailed: true };
    const { body, status } = answer;
    if (body.status !== 'success')
      return {
        ok: false,
        reason: `Prometheus answered ${status}${body.errorType ? ` (${body.errorType})` : ''}: ${body.error ?? 'no error message'}`,
        providerFailed: status >= 500 || body.errorType !== 'bad_data',
      };
    return pick(body.data, range?.reduce ?? 'mean');
  }

  private async call(
    address: string,
    headers: Record<string, string>,
    path: 'query' | 'query_range',
    params: Record<string, string>,
  ): Promise<{ status: number; body: ApiBody } | { reason: string }> {
    const url = `${address.replace(/\/+$/, '')}/api/v1/${path}`;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError')
        return {
          reason: `Prometheus at ${address} did not answer within ${this.timeoutMs / 1000}s (timeout)`,
        };
      return { reason: `Prometheus at ${address} is unreachable: ${e.cause?.code ?? e.message}` };
    }
    let body: ApiBody;
    try {
      body = (await response.json()) as ApiBody;
    } catch {
      return { reason: `Prometheus at ${address} answered ${response.status} without JSON` };
    }
    if (response.status >= 500 && body.status !== 'error')
      return { reason: `Prometheus at ${address} answered ${response.status}` };
    return { status: response.status, body };
  }
}

function failed(metric: string, answer: Extract<Answer, { ok: false }>, promql: string): Measurement {
  return {
    ...inconclusive(metric, `${answer.reason} — query: ${oneLine(promql)}`),
    ...(answer.providerFailed ? { providerFailed: true } : {}),
  };
}

/** Exactly one finite number from a vector, matrix or scalar, or why not. */
function pick(data: ApiBody['data'], reduce: 'mean' | 'min' | 'max' | 'last'): Answer {
  const type = data?.resultType;
  const result = data?.result;
  if (type === 'scalar') return { ok: true, value: Number((result as Sample)[1]), points: 1 };
  if (type !== 'vector' && type !== 'matrix')
    return { ok: false, reason: `Prometheus answered a ${type ?? 'malformed'} result, not a number` };
  const series = (result ?? []) as { metric: Record<string, string>; value?: Sample; values?: Sample[] }[];
  if (series.length === 0)
    return { ok: false, reason: 'empty vector: no series matched (no data for this version in the window?)' };
  if (series.length > 1) {
    const labels = series
      .slice(0, 3)
      .map((s) => JSON.stringify(s.metric))
      .join(', ');
    return {
      ok: false,
      reason: `${series.length} series where one was expected (${labels}${series.length > 3 ? ', …' : ''}); aggregate them, e.g. sum(...)`,
    };
  }
  const one = series[0] as (typeof series)[number];
  if (type === 'vector') return { ok: true, value: Number(one.value?.[1]), points: 1 };
  const points = (one.values ?? []).map((v) => Number(v[1])).filter((v) => Number.isFinite(v));
  if (points.length === 0) return { ok: false, reason: 'the range query returned no finite points' };
  const value =
    reduce === 'last'
      ? (points.at(-1) as number)
      : reduce === 'min'
        ? Math.min(...points)
        : reduce === 'max'
          ? Math.max(...points)
          : points.reduce((a, b) => a + b, 0) / points.length;
  return { ok: true, value, points: points.length };
}

function unusable(value: number): string | null {
  if (Number.isNaN(value)) return 'the value is NaN (0/0: no requests in the window?)';
  if (!Number.isFinite(value)) return `the value is ${value > 0 ? '+Inf' : '-Inf'}`;
  return null;
}

const oneLine = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
};
