// Starts a Sluice control plane on SQLite with the benchmark's flags in `production` and an
// sdk:production token; prints {url, token} on stdout. Run with
// `node --import tsx --conditions=sluice-source` (sources, as the tests run them).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, createServer } from '@sluice/server';
import { flagdFile } from './flags.mjs';

const port = Number(process.argv[2] ?? 0); // 0: any free port
const adminToken = 'bench-admin-token-0123456789';
const server = await createServer(
  configFromEnv(
    {},
    { dataDir: mkdtempSync(join(tmpdir(), 'sluice-bench-')), adminToken, port, embeddedRouter: false },
  ),
);
const url = await server.listen();
const call = async (path, body) => {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
};
await call('/api/v1/apply?environment=production', { documents: [flagdFile()] });
const { token } = await call('/api/v1/tokens', { subject: 'bench', scopes: ['sdk:production'] });
process.stdout.write(`${JSON.stringify({ url, token })}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
