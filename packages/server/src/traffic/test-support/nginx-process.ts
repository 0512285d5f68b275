import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { type NginxOptions, writeInitialNginxConfig } from '../nginx.js';
import { freePort } from './upstreams.js';

export const NGINX_BIN = '/usr/sbin/nginx';

export interface NginxProcess {
  options: NginxOptions;
  url: string;
  /** The master process (NGINX runs in the foreground, so it is our child). */
  masterPid: number;
  stop(): Promise<void>;
}

/** Starts a real NGINX (master + 1 worker, foreground) with its own prefix, pid and logs in a temp dir. */
export async function startNginx(): Promise<NginxProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-nginx-'));
  await mkdir(join(dir, 'tmp'));
  const [port, statusPort] = [await freePort(), await freePort()];
  const options: NginxOptions = {
    service: 'app',
    configPath: join(dir, 'sluice-app.conf'),
    mainConfig: join(dir, 'nginx.conf'),
    prefix: `${dir}/`,
    binary: NGINX_BIN,
    listen: `127.0.0.1:${port}`,
    statusListen: `127.0.0.1:${statusPort}`,
  };
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${dir}/tmp/${t};`)
    .join('\n');
  await writeFile(
    options.mainConfig,
    `daemon off;
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
${temp}
  include ${options.configPath};
}
`,
  );
  await writeInitialNginxConfig(options);
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', `${dir}/`, '-c', options.mainConfig], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const up = await vi
    .waitFor(
      async () => {
        if (child.exitCode !== null) return false;
        const res = await fetch(`http://${options.statusListen}/sluice/state`);
        if (!res.ok) throw new Error(`nginx answers ${res.status}`);
        return true;
      },
      { timeout: 5_000, interval: 50 },
    )
    .catch(() => false);
  if (!up) throw new Error(`nginx did not start: ${stderr}`);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGQUIT');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  return { options, url: `http://127.0.0.1:${port}/`, masterPid: child.pid ?? 0, stop };
}
