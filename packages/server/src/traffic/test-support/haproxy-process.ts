import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { runtimeCommand } from '../haproxy-runtime.js';
import { freePort } from './upstreams.js';

export const HAPROXY_BIN = '/usr/sbin/haproxy';

export interface HaproxyProcess {
  socket: string;
  /** The same runtime API over TCP: `tcp://127.0.0.1:port`. */
  tcpSocket: string;
  frontendUrl: string;
  backend: string;
  stop(): Promise<void>;
}

/** Starts a real HAProxy in the foreground on loopback with a generated config in a temp dir. */
export async function startHaproxy(): Promise<HaproxyProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-haproxy-'));
  const socket = join(dir, 'admin.sock');
  const port = await freePort();
  const adminPort = await freePort();
  const config = `global
  stats socket ${socket} mode 600 level admin
  stats socket ipv4@127.0.0.1:${adminPort} level admin
defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend fe
  bind 127.0.0.1:${port}
  default_backend app
backend app
  balance roundrobin
`;
  const cfg = join(dir, 'haproxy.cfg');
  await writeFile(cfg, config);
  const child: ChildProcess = spawn(HAPROXY_BIN, ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const up = await vi
    .waitFor(
      async () => {
        if (child.exitCode !== null) return false;
        await runtimeCommand({ path: socket }, 'show info', 1000);
        return true;
      },
      { timeout: 5_000, interval: 50 },
    )
    .catch(() => false);
  if (!up) throw new Error(`haproxy did not start: ${stderr}`);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  return {
    socket,
    tcpSocket: `tcp://127.0.0.1:${adminPort}`,
    frontendUrl: `http://127.0.0.1:${port}/`,
    backend: 'app',
    stop,
  };
}
