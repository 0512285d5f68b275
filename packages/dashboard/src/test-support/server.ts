/**
 * A real Sluice (SQLite in a temporary directory, no router) for component tests, reached
 * through Fastify's inject: the dashboard's fetch goes to the real routes without a port or a
 * browser's cross-origin rules.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, createServer, type SluiceServer } from '@sluice/server';

export const ADMIN_TOKEN = 'component-test-admin-token';

export interface TestServer {
  server: SluiceServer;
  fetch: typeof fetch;
  /** A token with these scopes (and roles), created through the API as an admin would. */
  token(subject: string, scopes: string[], roles?: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-dashboard-'));
  const server = await createServer(
    configFromEnv(
      {},
      { dataDir, port: 0, embeddedRouter: false, adminToken: ADMIN_TOKEN, defaultEnvironment: 'development' },
    ),
  );
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    const url = new URL(request.url, 'http://sluice.test');
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text();
    const res = await server.app.fastify.inject({
      method: request.method as 'GET',
      url: url.pathname + url.search,
      headers: Object.fromEntries(request.headers.entries()),
      ...(body ? { payload: body } : {}),
    });
    return new Response(res.statusCode === 204 ? null : res.body, {
      status: res.statusCode,
      headers: Object.entries(res.headers).flatMap(([k, v]) =>
        v === undefined ? [] : [[k, String(v)] as [string, string]],
      ),
    });
  }) as typeof fetch;
  return {
    server,
    fetch: fetchImpl,
    async token(subject, scopes, roles = []) {
      const res = await fetchImpl('http://sluice.test/api/v1/tokens', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ subject, scopes, roles }),
      });
      if (res.status !== 201) throw new Error(`token create answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
