/** A real control plane on a test database, driven through Fastify's inject (no socket). */
import { configFromEnv, type ServerConfigInput } from '../config.js';
import { createServer, type SluiceServer } from '../server.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestServer {
  server: SluiceServer;
  db: TestDatabase;
  /** Sends a request; `token` defaults to the admin token, null sends none. */
  request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH',
    url: string,
    options?: { body?: unknown; token?: string | null; headers?: Record<string, string>; rawBody?: string },
  ): Promise<{ status: number; body: any; headers: Record<string, unknown>; text: string }>;
  /** Creates a token with the given scopes and returns its secret. */
  token(scopes: string[], subject?: string, roles?: string[]): Promise<string>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  defaultEnvironment?: string;
  embeddedRouter?: boolean;
  /** The server's clock (tests move it to make timers due). */
  now?: () => Date;
  /** Reuse a database left by an earlier server (restart tests); its `close` keeps it. */
  database?: TestDatabase;
  /** Further settings (quotas, the metrics token). */
  config?: Partial<ServerConfigInput>;
}

export async function startTestServer(
  dialect: 'sqlite' | 'postgres',
  options: TestServerOptions = {},
): Promise<TestServer> {
  const { now, database, config: extra, ...overrides } = options;
  const db = database ?? (await createTestDatabase(dialect));
  const config = configFromEnv(
    {},
    {
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      pgSchema: db.pgSchema,
      adminToken: ADMIN_TOKEN,
      port: 0,
      routerPort: 0,
      routerAdminPort: 0,
      embeddedRouter: false,
      ...extra,
      ...overrides,
    },
  );
  const server = await createServer(config, now ? { now } : {});
  const request: TestServer['request'] = async (method, url, options = {}) => {
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const res = await server.app.fastify.inject({
      method,
      url,
      headers,
      ...(payload !== undefined ? { payload } : {}),
    });
    let body: unknown = res.body;
    try {
      body = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.statusCode, body, headers: res.headers as Record<string, unknown>, text: res.body };
  };
  return {
    server,
    db,
    request,
    async token(scopes, subject = 'tester', roles = []) {
      const res = await request('POST', '/api/v1/tokens', { body: { subject, scopes, roles } });
      if (res.status !== 201) throw new Error(`token create failed: ${res.text}`);
      return res.body.token as string;
    },
    async close() {
      await server.close();
      if (!database) await db.drop();
    },
  };
}
