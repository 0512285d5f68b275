/**
 * `GET /api/v1/watch` read over fetch: EventSource cannot send an Authorization header, and a
 * token never goes in a URL. Parses the server-sent-events format (event/data/id lines, blank
 * line ends an event, `:` comments are heartbeats), reconnects with backoff when the stream
 * ends, and stops when the signal aborts.
 */

export interface WatchEvent {
  event: string;
  data: string;
  id: string | null;
}

export interface WatchOptions {
  url: string;
  token: string;
  signal: AbortSignal;
  onEvent: (event: WatchEvent) => void;
  /** Called on every (re)connect and every loss, so the UI can say whether it is live. */
  onState?: (state: 'live' | 'reconnecting', detail?: string) => void;
  fetchImpl?: typeof fetch;
  /** Backoff bounds in ms. */
  minDelay?: number;
  maxDelay?: number;
}

/** Splits a text stream into SSE events; keeps partial lines between chunks. */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | null = null;

  constructor(private readonly emit: (event: WatchEvent) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const nl = this.buffer.search(/\r\n|\n|\r/);
      if (nl < 0) return;
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1));
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length)
        this.emit({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id') this.id = value;
  }
}

export async function watch(options: WatchOptions): Promise<void> {
  const { signal, minDelay = 500, maxDelay = 15_000 } = options;
  const doFetch = options.fetchImpl ?? fetch;
  let delay = minDelay;
  while (!signal.aborted) {
    let detail = 'the stream ended';
    try {
      const res = await doFetch(options.url, {
        headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream' },
        signal,
      });
      if (!res.ok || !res.body) {
        detail = `the server answered ${res.status}`;
        // a refused token or a missing route will not get better by asking again soon
        if (res.status === 401 || res.status === 403 || res.status === 404) delay = maxDelay;
      } else {
        options.onState?.('live');
        delay = minDelay;
        const parser = new SseParser(options.onEvent);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.push(value);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      detail = (error as Error).message;
    }
    if (signal.aborted) return;
    options.onState?.('reconnecting', detail);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, delay);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
    delay = Math.min(maxDelay, delay * 2);
  }
}
