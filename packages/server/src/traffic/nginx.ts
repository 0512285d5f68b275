import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { z } from 'zod';
import { TrafficApplyTimeout, TrafficProviderRejected, TrafficProviderUnavailable } from './errors.js';
import { EMPTY_TRAFFIC, parseInput } from './model.js';
import { parseNginxStatus, renderNginxConfig, STATUS_PATH, validateForNginx } from './nginx-config.js';
import { acceptingWorkers, parentOf, procAvailable } from './nginx-workers.js';
import { createTrafficProvider, type DataPlane } from './plan.js';
import type { TrafficCapabilities, TrafficProvider } from './provider.js';

const listenSchema = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+:)?\d{1,5}$/, 'expected host:port or port');

export const nginxOptionsSchema = z
  .object({
    /** Names the generated upstreams and variables: letters, digits, `_`. */
    service: z.string().regex(/^[a-z0-9_]{1,32}$/),
    /** The include file Sluice owns; the main config includes it inside `http {}`. */
    configPath: z.string().startsWith('/'),
    /** The main nginx.conf, passed as `-c` to `nginx -t` and `nginx -s reload`. */
    mainConfig: z.string().startsWith('/'),
    /** `-p` prefix, when NGINX runs with one. */
    prefix: z.string().startsWith('/').optional(),
    binary: z.string().default('/usr/sbin/nginx'),
    /** Where the service's traffic is served (`listen` of the generated server block). */
    listen: listenSchema,
    /** Loopback `127.0.0.1:port` where the generated config serves its state for read-back. */
    statusListen: z.string().regex(/^127\.0\.0\.1:\d{1,5}$/, 'expected 127.0.0.1:port'),
    reloadTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .strict();

export type NginxOptions = z.input<typeof nginxOptionsSchema>;

/** Open-source NGINX: weights, match rules through `map`, mirror through `mirror`; no sticky cookie. */
export const NGINX_CAPABILITIES: TrafficCapabilities = Object.freeze({
  weights: true,
  backends: true,
  headerMatch: true,
  cookieMatch: true,
  queryMatch: true,
  mirror: true,
  sticky: false,
});

/** Writes the include for an empty state, so NGINX can start before Sluice sets any traffic. */
export async function writeInitialNginxConfig(input: NginxOptions): Promise<void> {
  const o = parseInput(nginxOptionsSchema, input, 'nginx');
  await writeFile(o.configPath, renderNginxConfig(EMPTY_TRAFFIC, o, 'initial'));
}

function run(binary: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ ok: err === null, output: `${stdout}${stderr}`.trim() });
    });
  });
}

function getStatus(statusListen: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // A fresh connection each time: after a reload only new workers carry the new config.
    const req = http.get(`http://${statusListen}${STATUS_PATH}`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(body)
          : reject(new Error(`status endpoint answered ${res.statusCode}`)),
      );
    });
    req.setTimeout(5000, () => req.destroy(new Error('status endpoint timed out')));
    req.on('error', reject);
  });
}

/**
 * Drives open-source NGINX: the service's state is rendered into an include (upstreams per
 * version, a weighted split upstream, `map` chains for match rules, `mirror` + `split_clients`),
 * checked with `nginx -t`, and applied with `nginx -s reload` (graceful: old workers finish
 * their requests). Read-back asks the running NGINX itself: the generated config serves the
 * state it was rendered from on a loopback status port, so an answer proves it is loaded.
 */
export function createNginxProvider(input: NginxOptions): TrafficProvider {
  const o = parseInput(nginxOptionsSchema, input, 'nginx');
  const nginxArgs = [...(o.prefix ? ['-p', o.prefix] : []), '-c', o.mainConfig];

  const status = async () => {
    let body: string;
    try {
      body = await getStatus(o.statusListen);
    } catch (err) {
      throw TrafficProviderUnavailable(
        `NGINX status endpoint ${o.statusListen} is unreachable: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    try {
      const [encoded = '', pid = ''] = body.trim().split(':');
      return { ...parseNginxStatus(encoded), workerPid: Number(pid) };
    } catch (err) {
      throw TrafficProviderRejected(`NGINX at ${o.statusListen} serves no Sluice state for "${o.service}"`, {
        cause: err,
      });
    }
  };

  const plane: DataPlane = {
    name: 'nginx',
    capabilities: NGINX_CAPABILITIES,
    read: async () => (await status()).state,
    validate: validateForNginx,
    apply: async (next) => {
      // Refuse early, before touching files, when NGINX is not running; note its old workers.
      const { workerPid } = await status();
      const master = (await procAvailable()) ? await parentOf(workerPid) : null;
      const oldWorkers = master === null ? [] : await acceptingWorkers(master);
      const revision = randomUUID();
      const previous = await readFile(o.configPath, 'utf8').catch(() => null);
      const tmp = `${o.configPath}.${revision}.tmp`;
      await writeFile(tmp, renderNginxConfig(next, o, revision));
      await rename(tmp, o.configPath);
      const test = await run(o.binary, ['-t', ...nginxArgs]);
      if (!test.ok) {
        if (previous !== null) await writeFile(o.configPath, previous);
        throw TrafficProviderRejected(`nginx -t refused the generated config: ${test.output}`);
      }
      const reload = await run(o.binary, [...nginxArgs, '-s', 'reload']);
      if (!reload.ok) throw TrafficProviderUnavailable(`nginx -s reload failed: ${reload.output}`);
      const deadline = Date.now() + o.reloadTimeoutMs;
      while (Date.now() < deadline) {
        const seen = await status().catch(() => null);
        if (seen?.revision === revision) {
          if (master === null) return;
          const accepting = await acceptingWorkers(master);
          if (!oldWorkers.some((pid) => accepting.includes(pid))) return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      throw TrafficApplyTimeout(`NGINX did not serve revision ${revision} within ${o.reloadTimeoutMs} ms`);
    },
  };
  return createTrafficProvider(plane);
}
