/**
 * A real Prometheus (`/usr/bin/prometheus`, Debian's package) for tests: started on loopback
 * with a configuration the test writes, scraping the given targets every second, its data in a
 * temporary folder removed on close. Prometheus cannot listen on port 0, so a free port is
 * found by binding and releasing one (and the start retried once if another process took it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export function prometheusInstalled(): boolean {
  return existsSync(PROMETHEUS_BIN);
}

export interface TestPrometheus {
  url: string;
  /** Resolves once every target has been scraped successfully at least once more. */
  scraped(): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** `targets`: `host:port` of /metrics endpoints (`metricsPath` when not `/metrics`). */
export async function startPrometheus(
  targets: string[],
  options: { metricsPath?: string } = {},
): Promise<TestPrometheus> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(targets, options.metricsPath ?? '/metrics');
    } catch (error) {
      if (attempt >= 2) throw error;
    }
  }
}

async function startOnce(targets: string[], metricsPath: string): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      'scrape_configs:',
      '  - job_name: sluice',
      `    metrics_path: ${JSON.stringify(metricsPath)}`,
      `    static_configs: [{targets: ${JSON.stringify(targets)}}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const close = async () => {
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))]);
      if (!exited) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await vi.waitFor(
      async () => {
        if (exited) throw new Error(`prometheus exited: ${stderr}`);
        const res = await fetch(`${url}/-/ready`);
        if (!res.ok) throw new Error(`not ready: ${res.status}`);
      },
      { timeout: 20_000, interval: 100 },
    );
  } catch (error) {
    await close();
    throw error;
  }
  const lastScrapes = async () => {
    const res = await fetch(`${url}/api/v1/targets`);
    const body = (await res.json()) as {
      data: { activeTargets: { health: string; lastScrape: string }[] };
    };
    return body.data.activeTargets;
  };
  return {
    url,
    async scraped() {
      const since = Date.now();
      await vi.waitFor(
        async () => {
          const active = await lastScrapes();
          if (active.length < targets.length) throw new Error('targets not discovered yet');
          for (const t of active)
            if (t.health !== 'up' || Date.parse(t.lastScrape) <= since)
              throw new Error(
                `target not scraped since ${new Date(since).toISOString()}: ${JSON.stringify(t)}`,
              );
        },
        { timeout: 15_000, interval: 200 },
      );
    },
    close,
  };
}
