/**
 * A minimal WHATWG EventSource over fetch, for running browser providers in Node 20 (which has
 * no global EventSource): open, message and error events, `readyState`, `close()`. No retry.
 */
import { openSse, type SseReader } from './sse.js';

export class MiniEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static readonly instances: MiniEventSource[] = [];
  readyState = 0;
  private reader: SseReader | undefined;

  constructor(readonly url: string) {
    super();
    MiniEventSource.instances.push(this);
    void this.run();
  }

  close(): void {
    this.readyState = MiniEventSource.CLOSED;
    this.reader?.close();
  }

  private async run(): Promise<void> {
    try {
      this.reader = await openSse(this.url);
      if (this.reader.status !== 200) throw new Error(`status ${this.reader.status}`);
      this.readyState = MiniEventSource.OPEN;
      this.dispatchEvent(new Event('open'));
      for (;;) {
        const frame = await this.reader.next();
        if (frame.data !== undefined)
          this.dispatchEvent(new MessageEvent('message', { data: frame.data, lastEventId: frame.id ?? '' }));
      }
    } catch {
      if (this.readyState === MiniEventSource.CLOSED) return;
      this.readyState = MiniEventSource.CLOSED;
      this.dispatchEvent(new Event('error'));
    }
  }
}
