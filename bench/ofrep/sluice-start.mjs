// Starts a Sluice control plane on SQLite with the benchmark's flags in `production` and an
// sdk:production token. Runs the compiled build (`npx tsc -b`), as `npm start` does: from
// sources through tsx, each closure pays esbuild's name helper. Configured as `sluice up` runs by
// default: a pino JSON log at info with the redaction paths (packages/cli/src/commands/logger.ts;
// here on stderr, stdout carries the handshake), so request counting for the log's summary is on,
// and metrics are on.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, createServer, LOG_REDACT_PATHS } from '@sluice/server';
import pino from 'pino';
import { flagdFile } from './flags.mjs';

/** Resolves with the running server, its URL and an sdk:production token. */
export async function startSluice(port) {
  const adminToken = 'bench-admin-token-0123456789';
  const config = configFromEnv(
    {},
    { dataDir: mkdtempSync(join(tmpdir(), 'sluice-bench-')), adminToken, port, embeddedRouter: false },
  );
  const logger = pino(
    { level: config.logLevel, redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' } },
    pino.destination(2),
  );
  const server = await createServer(config, { logger });
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
  return { server, url, token };
}
