import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Upstreams {
  /** name → `http://127.0.0.1:port` */
  urls: Record<string, string>;
  /** name → requests received (mirrored copies included). */
  hits: Record<string, number>;
  close(): Promise<void>;
}

/** Small node:http upstreams on 127.0.0.1 that answer with `x-upstream: <name>`. */
export async function startUpstreams(names: readonly string[]): Promise<Upstreams> {
  const urls: Record<string, string> = {};
  const hits: Record<string, number> = {};
  const servers: http.Server[] = [];
  for (const name of names) {
    hits[name] = 0;
    const server = http.createServer((req, res) => {
      hits[name] = (hits[name] ?? 0) + 1;
      req.resume();
      req.on('end', () => res.writeHead(200, { 'x-upstream': name, 'content-type': 'text/plain' }).end(name));
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  return {
    urls,
    hits,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

/** A free TCP port on 127.0.0.1 (bound then released; fine for test fixtures). */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * Sends `n` GET requests to a loopback data plane, one at a time on fresh connections, and
 * counts answers by `x-upstream` (`status:<code>` for answers without one).
 */
export async function probe(
  url: string,
  n: number,
  headers: Record<string, string> = {},
): Promise<Record<string, number>> {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error('probes only go to 127.0.0.1');
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const key = await new Promise<string>((resolve, reject) => {
      const req = http.get(url, { headers, agent: false }, (res) => {
        res.resume();
        const upstream = res.headers['x-upstream'];
        res.on('end', () => resolve(typeof upstream === 'string' ? upstream : `status:${res.statusCode}`));
      });
      req.setTimeout(5000, () => req.destroy(new Error('probe timed out')));
      req.on('error', reject);
    });
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
