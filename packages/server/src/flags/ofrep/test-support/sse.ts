/**
 * Reads a Server-Sent Events stream with fetch, block by block as it is on the wire — `retry`,
 * `id` and comments of a block without data included, which an EventSource (or a spec parser
 * such as eventsource-parser) rightly hides — so tests can assert the frames the server writes.
 */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
  comment?: string;
}

export interface SseReader {
  status: number;
  headers: Headers;
  /** The next frame (comments included); rejects when the stream ends first. */
  next(): Promise<SseFrame>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const pending: SseFrame[] = [];
  const parse = (block: string): SseFrame => {
    const frame: SseFrame = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) frame.comment = line.slice(1).trim();
      const [field, ...rest] = line.split(':');
      const value = rest.join(':').replace(/^ /, '');
      if (field === 'id') frame.id = value;
      else if (field === 'event') frame.event = value;
      else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
      else if (field === 'retry') frame.retry = Number(value);
    }
    return frame;
  };
  return {
    status: res.status,
    headers: res.headers,
    async next() {
      for (;;) {
        const ready = pending.shift();
        if (ready) return ready;
        const cut = buffer.indexOf('\n\n');
        if (cut >= 0) {
          pending.push(parse(buffer.slice(0, cut)));
          buffer = buffer.slice(cut + 2);
          continue;
        }
        const chunk = await reader?.read();
        if (!chunk || chunk.done) throw new Error('the event stream ended');
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    close() {
      abort.abort();
    },
  };
}
