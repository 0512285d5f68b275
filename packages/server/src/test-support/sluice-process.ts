/**
 * Real `sluice up` processes for replica and crash tests: started from the CLI's source with
 * tsx, on a test database (PostgreSQL through its own schema), each on its own port, killed
 * with SIGKILL when a test says so. The log's tail is kept to explain a start that failed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from './databases.js';

const CLI = fileURLToPath(new URL('../../../cli/src/bin.ts', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface SluiceProcess {
  url: string;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  restart(): Promise<void>;
  log(): string;
}

export async function startSluiceProcess(options: {
  database: TestDatabase;
  dataDir: string;
  adminToken: string;
  env?: Record<string, string>;
}): Promise<SluiceProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';
  const { database } = options;
  const start = async () => {
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions',
        'sluice-source',
        CLI,
        'up',
        '--port',
        String(port),
        '--data-dir',
        options.dataDir,
      ],
      {
        env: {
          ...process.env,
          ...(database.databaseUrl
            ? {
                DATABASE_URL: `${database.databaseUrl}?options=${encodeURIComponent(`-c search_path=${database.pgSchema}`)}`,
              }
            : {}),
          SLUICE_ADMIN_TOKEN: options.adminToken,
          SLUICE_LOG_LEVEL: 'error',
          SLUICE_ROUTER_PORT: '0',
          SLUICE_ROUTER_ADMIN_PORT: '0',
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const started = child;
    const deadline = Date.now() + 120_000; // a loaded machine can take long to start a tsx process
    while (Date.now() < deadline) {
      if (started.exitCode !== null) break;
      const ready = await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `sluice up did not become ready (exit code ${started.exitCode}); its log ends:\n${output}`,
    );
  };
  await start();
  return {
    url,
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    },
    restart: start,
    log: () => output,
  };
}
