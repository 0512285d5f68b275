/**
 * Prints the server's OpenAPI document: a server on a throw-away SQLite directory answers
 * `GET /api/v1/openapi.json` in-process (no port, no router). Run with tsx and the
 * `sluice-source` condition so it reads the server's TypeScript sources.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, createServer } from '@sluice/server';

export async function openApiJson(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-openapi-'));
  const server = await createServer(
    configFromEnv({}, { dataDir, port: 0, embeddedRouter: false, adminToken: 'openapi-document-only' }),
  );
  try {
    const res = await server.app.fastify.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`openapi.json answered ${res.statusCode}: ${res.body}`);
    return `${JSON.stringify(JSON.parse(res.body), null, 2)}\n`;
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
