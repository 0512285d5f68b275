/**
 * A local webhook receiver for notification tests: checks each request's HMAC signature, drops
 * a repeat by its Idempotency-Key as a real receiver would, and can refuse the first requests
 * (to make the sender retry). Listens on 127.0.0.1, port 0.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../deploy/signature.js';

export interface ReceivedNotice {
  key: string;
  body: Record<string, unknown>;
  signed: boolean;
}

export interface NoticeReceiver {
  url: string;
  /** Each notice once, in the order first received. */
  notices: ReceivedNotice[];
  /** Every request, repeats included. */
  requests: number;
  close(): Promise<void>;
}

export async function startNoticeReceiver(options: {
  secret?: string;
  /** Answer 503 to this many requests first. */
  refuseFirst?: number;
  /** The receiver's clock; default the real one. Tests that move the sender's clock use `'sender'`: the signature is checked, the replay window is not. */
  nowSeconds?: (() => number) | 'sender';
}): Promise<NoticeReceiver> {
  const seen = new Set<string>();
  const receiver = { url: '', notices: [] as ReceivedNotice[], requests: 0 } as NoticeReceiver;
  let refusals = options.refuseFirst ?? 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.requests += 1;
      if (refusals > 0) {
        refusals -= 1;
        res.writeHead(503).end();
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      const key = String(req.headers['idempotency-key'] ?? '');
      const signed =
        options.secret !== undefined &&
        verifySignature({
          secret: options.secret,
          body: text,
          timestamp: req.headers['sluice-timestamp'] as string | undefined,
          signature: req.headers['sluice-signature'] as string | undefined,
          nowSeconds:
            options.nowSeconds === 'sender'
              ? Number(req.headers['sluice-timestamp'])
              : (options.nowSeconds?.() ?? Math.floor(Date.now() / 1000)),
        });
      if (key && !seen.has(key)) {
        seen.add(key);
        receiver.notices.push({ key, body: JSON.parse(text) as Record<string, unknown>, signed });
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}
