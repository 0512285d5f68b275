/**
 * Server-sent events over `fetch`, for Node and browsers alike: unlike `EventSource` it sends the
 * `Authorization` header, so a token never goes in a URL. Frames are parsed by eventsource-parser.
 * A stream that stays silent longer than `idleTimeoutMs` (the server sends a heartbeat every 15 s)
 * is taken for dead and aborted, so a half-open connection cannot stop updates silently.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseRequest {
  url: string;
  headers: Record<string, string>;
  /** Aborts the stream (closing the client). */
  signal: AbortSignal;
  idleTimeoutMs: number;
  onOpen?: () => void;
  onEvent: (event: EventSourceMessage) => void;
  fetch?: typeof fetch;
}

/** An HTTP answer other than a 200 event stream. */
export class StreamRefused extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`the stream was refused (${status}): ${detail}`);
    this.name = 'StreamRefused';
  }
}

/** Reads one connection to its end. Resolves when the server ends it; rejects on a failure. */
export async function readEventStream(request: SseRequest): Promise<void> {
  const local = new AbortController();
  const abort = () => local.abort(request.signal.reason);
  request.signal.addEventListener('abort', abort, { once: true });
  let idle: ReturnType<typeof setTimeout> | undefined;
  const touch = () => {
    if (idle !== undefined) clearTimeout(idle);
    idle = setTimeout(() => local.abort(new Error('the stream went silent')), request.idleTimeoutMs);
    (idle as { unref?: () => void }).unref?.();
  };
  try {
    touch();
    const res = await (request.fetch ?? fetch)(request.url, {
      headers: { accept: 'text/event-stream', ...request.headers },
      signal: local.signal,
    });
    if (
      res.status !== 200 ||
      !res.body ||
      !res.headers.get('content-type')?.startsWith('text/event-stream')
    ) {
      const text = await res.text().catch(() => '');
      throw new StreamRefused(res.status, describe(text, res.statusText));
    }
    request.onOpen?.();
    const parser = createParser({ onEvent: request.onEvent });
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      touch();
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } catch (error) {
    if (local.signal.aborted && local.signal.reason instanceof Error) throw local.signal.reason;
    throw error;
  } finally {
    if (idle !== undefined) clearTimeout(idle);
    request.signal.removeEventListener('abort', abort);
  }
}

/** A problem+json or OFREP error's words, or the status text. */
export function describe(body: string, fallback: string): string {
  try {
    const parsed = JSON.parse(body) as { detail?: unknown; errorDetails?: unknown; title?: unknown };
    const words = parsed.detail ?? parsed.errorDetails ?? parsed.title;
    if (typeof words === 'string') return words;
  } catch {
    // not JSON
  }
  return body.slice(0, 200) || fallback;
}
