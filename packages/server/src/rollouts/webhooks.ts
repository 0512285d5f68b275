/**
 * Flagger's webhooks: one function POSTs Flagger's payload `{name, namespace, phase, checksum,
 * metadata}` as JSON and says whether a 2xx answer came in time, with why. Never throws: an
 * unreachable, slow or failing endpoint is an answer (no) the caller decides on — a failed check
 * for a `rollout` webhook (`webhookCheckSchema`), a hold or a count for a stage's webhook
 * (`call_webhook`), nothing for an event. The answer's body is read only to say why (bounded),
 * never trusted.
 */
import type { Measurement } from '@sluice/core/analysis';
import type { CommandOf, WebhookCheck } from '@sluice/core/rollouts';
import type { CommandOutcome } from './command-handler.js';

/** The most of an answer's body kept for the reason. */
const BODY_LIMIT = 4096;
const REASON_CHARS = 200;

export interface WebhookCall {
  metric: string;
  check: WebhookCheck;
  /** The environment: Flagger's namespace when the Canary names none. */
  environment: string;
  /** The version under test: the payload's `checksum` (Flagger's revision). */
  version: string;
}

/** Flagger's payload for a webhook called during the analysis. */
export function webhookPayload(call: WebhookCall): Record<string, unknown> {
  return {
    name: call.check.canary,
    namespace: call.check.namespace ?? call.environment,
    phase: 'Progressing',
    checksum: call.version,
    metadata: call.check.metadata,
  };
}

export interface WebhookAnswer {
  ok: boolean;
  /** The HTTP status, when one came. */
  status?: number;
  /** What happened, in words: "answered 403: closed", "did not answer within 5s" … */
  why: string;
}

/** POSTs `payload` to `url`; ok when a 2xx answer came within `timeoutSeconds`. */
export async function postWebhook(
  url: string,
  payload: unknown,
  timeoutSeconds: number,
): Promise<WebhookAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    });
  } catch (error) {
    const e = error as Error;
    if (e.name === 'TimeoutError')
      return { ok: false, why: `webhook ${url} did not answer within ${timeoutSeconds}s` };
    return { ok: false, why: `webhook ${url} could not be reached: ${messageOf(e)}` };
  }
  const body = await readBounded(res);
  const ok = res.status >= 200 && res.status < 300;
  return {
    ok,
    status: res.status,
    why: `webhook ${url} answered ${res.status}${!ok && body ? `: ${body}` : ''}`,
  };
}

/** A `rollout` webhook as a check: 1 when it answered 2xx, else 0 with why. */
export async function callWebhook(call: WebhookCall): Promise<Measurement> {
  const { metric, check } = call;
  const answer = await postWebhook(check.url, webhookPayload(call), check.timeout_seconds);
  // a value with a note, not an error: an error is inconclusive, and a failed call is a failed check
  return { metric, value: answer.ok ? 1 : 0, note: answer.why, sampleCount: 1 };
}

/** A stage's webhook (`call_webhook`): ok when it answered 2xx; the executor decides what that means. */
export async function callStageWebhook(
  c: CommandOf<'call_webhook'>,
  environment: string,
): Promise<CommandOutcome> {
  const payload = {
    name: c.canary,
    namespace: c.namespace ?? environment,
    phase: c.phase,
    checksum: c.checksum,
    metadata: c.metadata,
  };
  const answer = await postWebhook(c.url, payload, c.timeoutSeconds);
  const data = { answer: answer.why, ...(answer.status !== undefined ? { status: answer.status } : {}) };
  return answer.ok ? { ok: true, data } : { ok: false, error: answer.why, data };
}

/** Up to BODY_LIMIT bytes of the body as one line; the rest is cancelled, not read. */
async function readBounded(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < BODY_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // a body cut off midway still has a status to judge by
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).subarray(0, BODY_LIMIT).toString('utf8');
  return text.replace(/\s+/g, ' ').trim().slice(0, REASON_CHARS);
}

function messageOf(e: Error): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? e.message;
}
