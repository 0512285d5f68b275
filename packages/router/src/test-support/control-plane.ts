import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Heartbeat {
  routerId: string;
  authorization: string | undefined;
  body: { adminUrl: string | null; configVersion: number; health: Record<string, unknown> };
}

/**
 * A fake control plane speaking the router contract: `GET /api/v1/router-config/stream`
 * (text/event-stream, `snapshot` events, comment heartbeats) and
 * `POST /api/v1/routers/{id}/heartbeat`. Only the token it was given is accepted.
 */
export class FakeControlPlane {
  readonly heartbeats: Heartbeat[] = [];
  streamRequests = 0;
  refusedRequests = 0;
  /** Sent to every new stream on connect (what a real control plane does). */
  current: unknown;
  private readonly streams = new Set<http.ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private server: http.Server | undefined;
  port = 0;

  constructor(private readonly token: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  async start(port = 0): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      this.refusedRequests++;
      res.writeHead(401, { 'content-type': 'application/problem+json' });
      res.end('{"status":401}');
      return;
    }
    if (req.method === 'GET' && req.url === '/api/v1/router-config/stream') {
      this.streamRequests++;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': connected\n\n');
      this.streams.add(res);
      res.on('close', () => this.streams.delete(res));
      if (this.current !== undefined) this.sendTo(res, this.current);
      return;
    }
    const beat = /^\/api\/v1\/routers\/([^/]+)\/heartbeat$/.exec(req.url ?? '');
    if (req.method === 'POST' && beat) {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        this.heartbeats.push({
          routerId: decodeURIComponent(beat[1] ?? ''),
          authorization: req.headers.authorization,
          body: JSON.parse(body),
        });
        res.writeHead(204);
        res.end();
      });
      return;
    }
    res.writeHead(404);
    res.end();
  }

  private sendTo(res: http.ServerResponse, snapshot: unknown): void {
    const data = typeof snapshot === 'string' ? snapshot : JSON.stringify(snapshot);
    res.write(`event: snapshot\ndata: ${data}\n\n`);
  }

  /** Sends a snapshot (or raw text) to every connected router. */
  publish(snapshot: unknown, remember = true): void {
    if (remember) this.current = snapshot;
    for (const res of this.streams) this.sendTo(res, snapshot);
  }

  heartbeatComment(): void {
    for (const res of this.streams) res.write(': ping\n\n');
  }

  /** Cuts every open stream (the routers should reconnect). */
  dropStreams(): void {
    for (const res of this.streams) res.destroy();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}
