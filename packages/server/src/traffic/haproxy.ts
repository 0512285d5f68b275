import type net from 'node:net';
import { ValidationFailed } from '@sluice/core/errors';
import { z } from 'zod';
import { TrafficProviderRejected } from './errors.js';
import {
  inMaintenance,
  parseServersState,
  runtimeAddress,
  runtimeCommand,
  type ServerState,
} from './haproxy-runtime.js';
import { type AppliedTraffic, type Backends, parseInput } from './model.js';
import { createTrafficProvider, type DataPlane } from './plan.js';
import type { TrafficCapabilities, TrafficProvider } from './provider.js';
import { serverWeights, versionPercents } from './weights.js';

export const haproxyOptionsSchema = z
  .object({
    /** Runtime API socket (`stats socket ... level admin`): a unix path or `tcp://127.0.0.1:9999`. */
    socket: z.string().min(1),
    /** The backend whose servers Sluice manages; it must use a dynamic algorithm (roundrobin, leastconn). */
    backend: z.string().regex(/^[A-Za-z0-9_.:-]+$/),
    timeoutMs: z.number().int().min(1).max(60_000).default(5000),
  })
  .strict();

export type HaproxyOptions = z.input<typeof haproxyOptionsSchema>;

/** HAProxy weighs servers 0..256; dynamic servers take no `cookie`, so no sticky sessions. */
const MAX_SERVER_WEIGHT = 256;

export const HAPROXY_CAPABILITIES: TrafficCapabilities = Object.freeze({
  weights: true,
  backends: true,
  headerMatch: false,
  cookieMatch: false,
  queryMatch: false,
  mirror: false,
  sticky: false,
});

/**
 * HAProxy 2.6 gives a server added at run time no idle-connection pool (purge delay 0, limit 0),
 * unlike one written in the config (5 s, unlimited): every request would open a new upstream
 * connection, 2.7x the CPU per request in bench/traffic/haproxy-driven.mjs. Ask for the defaults.
 */
const KEEP_IDLE_CONNECTIONS = 'pool-purge-delay 5s pool-max-conn -1';

// Server names carry the version: `<version>:<index>` (versions never contain ':'). Servers a
// hand-written config declares without the suffix count as a version of their own name.
const serverName = (version: string, index: number) => `${version}:${index}`;
function versionOf(name: string): { version: string; index: number } {
  const at = name.lastIndexOf(':');
  if (at <= 0) return { version: name, index: 0 };
  return { version: name.slice(0, at), index: Number(name.slice(at + 1)) || 0 };
}

const hostOf = (addr: string) => (addr.includes(':') ? `[${addr}]` : addr);

function splitUrl(url: string): { addr: string; port: number } {
  const u = new URL(url);
  return { addr: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80) };
}

/**
 * Drives a running HAProxy (2.4+) through its runtime API: versions are dynamic servers of one
 * backend (`add server`, `set server ... addr/weight`, `enable`/`disable`, `del server`), so no
 * change ever reloads HAProxy. Read-back is `show servers state`.
 */
export function createHaproxyProvider(input: HaproxyOptions): TrafficProvider {
  const options = parseInput(haproxyOptionsSchema, input, 'haproxy');
  const address: net.NetConnectOpts = runtimeAddress(options.socket);
  const be = options.backend;

  const command = (cmd: string) => runtimeCommand(address, cmd, options.timeoutMs);
  /** Runs a command whose success is an empty answer (or one of `ok`); anything else is a refusal. */
  const must = async (cmd: string, ok: RegExp = /^$/) => {
    const answer = (await command(cmd)).trim();
    if (!ok.test(answer))
      throw TrafficProviderRejected(`HAProxy refused "${cmd}": ${answer || '(no answer)'}`);
    return answer;
  };

  const servers = async (): Promise<ServerState[]> =>
    parseServersState(await command(`show servers state ${be}`), be);

  const read = async (): Promise<AppliedTraffic> => {
    const live = (await servers())
      .filter((s) => !inMaintenance(s))
      .map((s) => ({ ...s, ...versionOf(s.name) }))
      .sort((a, b) => a.version.localeCompare(b.version) || a.index - b.index);
    const backends: Backends = {};
    for (const s of live) {
      backends[s.version] = [...(backends[s.version] ?? []), `http://${hostOf(s.addr)}:${s.port}`];
    }
    return { backends, weights: versionPercents(live), matchRules: [], mirror: null };
  };

  const apply = async (next: AppliedTraffic): Promise<void> => {
    const existing = new Map((await servers()).map((s) => [s.name, s]));
    const perServer = serverWeights(next.weights, next.backends, MAX_SERVER_WEIGHT);
    const wanted = new Map<string, { addr: string; port: number; weight: number }>();
    for (const [version, urls] of Object.entries(next.backends)) {
      urls.forEach((url, i) => {
        wanted.set(serverName(version, i), { ...splitUrl(url), weight: perServer[version] ?? 0 });
      });
    }

    // 1. Create or re-point servers; new ones arrive in maintenance with weight 0.
    for (const [name, w] of wanted) {
      const have = existing.get(name);
      if (!have) {
        await must(
          `add server ${be}/${name} ${hostOf(w.addr)}:${w.port} weight 0 ${KEEP_IDLE_CONNECTIONS}`,
          /New server registered/,
        );
        existing.set(name, { id: 0, name, addr: w.addr, port: w.port, adminState: 0x01, weight: 0 });
      } else if (have.addr !== w.addr || have.port !== w.port) {
        await must(`set server ${be}/${name} addr ${w.addr} port ${w.port}`, /^(|.*changed.*)$/s);
      }
    }
    // 2. Raise weights before lowering any, so the backend never has every server at zero.
    const current = (name: string) => {
      const s = existing.get(name);
      return s && !inMaintenance(s) ? s.weight : 0;
    };
    const order = [...wanted].sort(([a, wa], [b, wb]) => wb.weight - current(b) - (wa.weight - current(a)));
    for (const [name, w] of order) {
      const have = existing.get(name)!;
      if (have.weight !== w.weight || inMaintenance(have))
        await must(`set server ${be}/${name} weight ${w.weight}`);
      if (inMaintenance(have)) await must(`enable server ${be}/${name}`);
    }
    // 3. Retire servers no longer wanted: drain to zero, maintenance, then delete. A server
    //    that still holds connections stays in maintenance (no traffic) and is reused later.
    for (const [name, have] of existing) {
      if (wanted.has(name)) continue;
      if (!inMaintenance(have)) {
        await must(`set server ${be}/${name} weight 0`);
        await must(`disable server ${be}/${name}`);
      }
      const answer = (await command(`del server ${be}/${name}`)).trim();
      if (!/Server deleted/.test(answer)) {
        await command(`shutdown sessions server ${be}/${name}`);
        await command(`del server ${be}/${name}`);
      }
    }
  };

  const plane: DataPlane = {
    name: 'haproxy',
    capabilities: HAPROXY_CAPABILITIES,
    read,
    validate: (next) => {
      for (const [version, urls] of Object.entries(next.backends)) {
        urls.forEach((url, i) => {
          if (new URL(url).protocol !== 'http:') {
            const path = `backends.${version}[${i}]`;
            throw ValidationFailed(`${path}: the haproxy provider only adds http:// servers`, {
              fields: [{ path, message: 'only http:// upstreams are supported by the haproxy provider' }],
            });
          }
        });
      }
    },
    apply,
  };
  return createTrafficProvider(plane);
}
