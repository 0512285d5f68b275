/**
 * Calls a Flagger `rollout` webhook as a check (`webhookCheckSchema`): POST Flagger's payload
 * `{name, namespace, phase, checksum, metadata}` as JSON; a 2xx answer in time reads 1, anything
 * else 0 with why. Never throws: an unreachable, slow or failing endpoint is a failed check the
 * stage's limits decide on, shown in `rollout explain`. The answer's body is read only to say
 * why (bounded), never trusted.
 */
import type { Measurement } from '@sluice/core/analysis';
import type { WebhookCheck } from '@sluice/core/rollouts';

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

export async function callWebhook(call: WebhookCall): Promise<Measurement> {
  const { metric, check } = call;
  // a value with a note, not an error: an error is inconclusive, and a failed call is a failed check
  const failed = (why: string): Measurement => ({ metric, value: 0, note: why, sampleCount: 1 });
  let res: Response;
  try {
    res = await fetch(check.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(webhookPayload(call)),
      redirect: 'manual',
      signal: AbortSignal.timeout(check.timeout_seconds * 1000),
    });
  } catch (error) {
    const e = error as Error;
    if (e.name === 'TimeoutError')
      return failed(`webhook ${check.url} did not answer within ${check.timeout_seconds}s`);
    return failed(`webhook ${check.url} could not be reached: ${messageOf(e)}`);
  }
  const body = await readBounded(res);
  if (res.status >= 200 && res.status < 300)
    return { metric, value: 1, note: `webhook ${check.url} answered ${res.status}`, sampleCount: 1 };
  return failed(`webhook ${check.url} answered ${res.status}${body ? `: ${body}` : ''}`);
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
