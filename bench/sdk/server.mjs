// A Sluice control plane for the SDK benchmarks (a child process of its own, from the build:
// `npx tsc -b` first): SQLite, `flags` flags in production, an sdk:production token. Prints
// {url, token, adminToken} and serves until killed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, createServer } from '../../packages/server/dist/index.js';

const flagCount = Number(process.argv[2] ?? 20);
const adminToken = 'bench-admin-token-0123456789';
const server = await createServer(
  configFromEnv(
    {},
    {
      dataDir: mkdtempSync(join(tmpdir(), 'sluice-sdk-bench-')),
      adminToken,
      port: 0,
      embeddedRouter: false,
      logLevel: 'warn',
    },
  ),
);
const url = (await server.listen()).replace('localhost', '127.0.0.1');
const call = async (path, body) => {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
};
const flags = {};
for (let i = 0; i < flagCount; i++) {
  flags[`flag-${i}`] = {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    targeting: { if: [{ ends_with: [{ var: 'email' }, `@team-${i}.example`] }, 'on', null] },
  };
}
await call('/api/v1/apply?environment=production', { documents: [{ flags }] });
const { token } = await call('/api/v1/tokens', { subject: 'bench', scopes: ['sdk:production'] });
process.stdout.write(`${JSON.stringify({ url, token, adminToken })}\n`);
