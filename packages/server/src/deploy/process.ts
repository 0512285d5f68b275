/**
 * `process`: the embedded default. Each version is a local process started from a command
 * template (`{version}`, `{port}`, `{service}`, `{image}`), detached so it outlives the control
 * plane, recorded in `<data dir>/deploy/process/<environment>/<service>/state.json` and
 * re-adopted by the next provider instance (pid alive, same start time, health check).
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DeployFailed, DeployOperationConflict } from './errors.js';
import { probeHealth } from './health.js';
import {
  DEFAULT_HEALTH_CHECK,
  type Deployment,
  deployRequestSchema,
  envMapSchema,
  fillTemplate,
  type HealthCheck,
  parseInput,
  retireRequestSchema,
  versionNameSchema,
} from './model.js';
import {
  findTaggedProcess,
  isOurProcess,
  logTail,
  pickPort,
  procStat,
  spawnDetached,
  splitCommand,
  stopGroup,
  untilListening,
} from './process-os.js';
import { type ProcessRecord, ProcessState } from './process-state.js';
import type { DeployProvider } from './provider.js';
import { waitUntilReady } from './wait.js';

export const processDeploySchema = z.strictObject({
  provider: z.literal('process'),
  /** argv template, split like a shell would but never run by one: `node server.mjs --port {port}`. */
  command: z
    .string()
    .min(1)
    .max(4096)
    .refine((c) => (splitCommand(c)?.length ?? 0) > 0, 'an empty command or an unterminated quote'),
  /** Working directory of the command; default the control plane's. */
  cwd: z.string().min(1).optional(),
  /** Environment for every version (the control plane's own is not passed on: it holds secrets). */
  env: envMapSchema.default({}),
  /** Address the version listens on, and the upstream host. */
  host: z.string().default('127.0.0.1'),
  /** How long `deploy` waits for the port to open before answering `starting`. */
  startTimeoutSeconds: z.number().positive().max(600).default(10),
  /** Default bound of `waitReady`. */
  readyTimeoutSeconds: z.number().positive().max(3600).default(120),
  /** SIGTERM, then SIGKILL after this long. */
  stopGraceSeconds: z.number().min(0).max(600).default(10),
});
export type ProcessDeploySpec = z.input<typeof processDeploySchema>;

export interface ProcessDeployDeps {
  service: string;
  environment?: string;
  /** The control plane's data dir: state and logs go under `deploy/process/`. */
  dataDir: string;
  healthCheck?: HealthCheck;
  /** Default working directory when the spec names none. */
  cwd?: string;
  /** Epoch milliseconds. */
  now?: () => number;
  /** The control plane's URL, passed to versions as SLUICE_URL (they may report to it). */
  controlPlaneUrl?: () => string | undefined;
}

const pathSegment = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ".", "_" or "-"');

/** Variables a version inherits from the control plane; everything else is left behind. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SYSTEMROOT'];
/** Environment variable that tags a spawned version with its state dir, operation and version. */
export const TAG_VARIABLE = 'SLUICE_DEPLOY_TAG';
/** How many fresh ports to try when another process took the chosen one first. */
const PORT_ATTEMPTS = 4;

export function createProcessProvider(spec: ProcessDeploySpec, deps: ProcessDeployDeps): DeployProvider {
  const o = parseInput(processDeploySchema, spec, 'deploy');
  const now = deps.now ?? (() => Date.now());
  const healthCheck = deps.healthCheck ?? DEFAULT_HEALTH_CHECK;
  // Both name a directory: nothing that could climb out of the data dir.
  const service = parseInput(pathSegment, deps.service, 'service');
  const environment = parseInput(pathSegment, deps.environment ?? '_', 'environment');
  const dir = join(deps.dataDir, 'deploy', 'process', environment, service);
  const logs = join(dir, 'logs');
  const state = new ProcessState(dir);
  const readyTimeoutMs = o.readyTimeoutSeconds * 1000;
  const hostInUrl = o.host.includes(':') ? `[${o.host}]` : o.host;

  const describe = async (r: ProcessRecord): Promise<Deployment> => {
    const base = {
      version: r.version,
      opId: r.opId,
      upstreams: [`http://${hostInUrl}:${r.port}`],
      info: { pid: r.pid, port: r.port, logFile: r.logFile },
    };
    if (r.retiredAt !== undefined) return { ...base, state: 'retired', detail: `retired by ${r.retiredBy}` };
    if (!isOurProcess(r.pid, r.startTime))
      return {
        ...base,
        state: 'failed',
        detail: `process ${r.pid} is not running${await logTail(r.logFile)}`,
      };
    if (await probeHealth(base.upstreams[0] as string, healthCheck)) return { ...base, state: 'ready' };
    const young = now() - r.startedAt < readyTimeoutMs;
    return {
      ...base,
      state: young ? 'starting' : 'unhealthy',
      detail: `GET ${healthCheck.endpoint} does not answer 2xx`,
    };
  };

  type Spawned = { record: ProcessRecord; exited: Promise<number | null> | null };

  /**
   * Starts the version on a port no recorded version uses — or adopts the process this
   * operation spawned just before a crash, before its pid was saved. Runs under the state lock;
   * the caller saves the record before the lock is released.
   */
  const spawnVersion = async (
    request: z.output<typeof deployRequestSchema>,
    current: Record<string, ProcessRecord>,
  ): Promise<Spawned> => {
    const logFile = join(logs, `${request.version}.log`);
    await mkdir(logs, { recursive: true });
    const tag = tagOf(dir, request.opId, request.version);
    const argvFor = (port: number) =>
      (splitCommand(o.command) ?? []).map((a) =>
        fillTemplate(a, {
          version: request.version,
          port,
          service: deps.service,
          image: request.image ?? '',
        }),
      );
    const recordFor = (pid: number, port: number): ProcessRecord => ({
      version: request.version,
      opId: request.opId,
      pid,
      startTime: procStat(pid)?.startTime ?? null,
      host: o.host,
      port,
      argv: argvFor(port),
      logFile,
      startedAt: now(),
    });
    const orphan = findTaggedProcess(TAG_VARIABLE, tag);
    if (orphan) return { record: recordFor(orphan.pid, orphan.port), exited: null };

    const taken = new Set(Object.values(current).map((r) => r.port));
    let port = await pickPort(o.host);
    while (taken.has(port)) port = await pickPort(o.host);
    const argv = argvFor(port);
    const controlPlane = deps.controlPlaneUrl?.();
    const env = {
      ...inheritedEnv(),
      ...o.env,
      ...request.env,
      PORT: String(port),
      SLUICE_VERSION: request.version,
      SLUICE_SERVICE: deps.service,
      ...(deps.environment ? { SLUICE_ENVIRONMENT: deps.environment } : {}),
      ...(controlPlane ? { SLUICE_URL: controlPlane } : {}),
      [TAG_VARIABLE]: tag,
      ...(request.image ? { SLUICE_IMAGE: request.image } : {}),
    };
    const spawned = await spawnDetached(argv, {
      cwd: o.cwd ?? deps.cwd ?? process.cwd(),
      env,
      logFile,
    }).catch((err: Error) => {
      throw DeployFailed(`cannot start ${argv[0]}: ${err.message}`, { cause: err });
    });
    return { record: recordFor(spawned.pid, port), exited: spawned.exited };
  };

  /**
   * Waits (outside the lock) for a fresh version's port to open or the process to exit. One
   * that died of EADDRINUSE — another process took the port between pick and bind — is
   * started again on a fresh port, unless someone replaced its record meanwhile.
   */
  const settle = async (
    request: z.output<typeof deployRequestSchema>,
    first: Spawned,
  ): Promise<ProcessRecord> => {
    let current = first;
    for (let attempt = 1; current.exited !== null; attempt++) {
      const outcome = await untilListening(
        o.host,
        current.record.port,
        current.exited,
        o.startTimeoutSeconds * 1000,
      );
      if (outcome !== 'exited' || attempt >= PORT_ATTEMPTS) break;
      if (!(await logTail(current.record.logFile)).includes('EADDRINUSE')) break;
      const pid = current.record.pid;
      const next = await state.update(async (st) => {
        const recorded = st.versions[request.version];
        if (!recorded || recorded.pid !== pid) return { state: null, result: null };
        const again = await spawnVersion(request, st.versions);
        return {
          state: { ...st, versions: { ...st.versions, [request.version]: again.record } },
          result: again,
        };
      });
      if (next === null) break;
      current = next;
    }
    return current.record;
  };

  const failIfFailed = (d: Deployment): Deployment => {
    if (d.state === 'failed')
      throw DeployFailed(`version ${d.version}: ${d.detail ?? 'failed'}`, { extensions: { deployment: d } });
    return d;
  };

  const status = async (version: string): Promise<Deployment | null> => {
    const v = parseInput(versionNameSchema, version, 'version');
    const record = (await state.read()).versions[v];
    return record ? describe(record) : null;
  };

  return {
    name: 'process',

    async deploy(request) {
      const r = parseInput(deployRequestSchema, request, 'request');
      const outcome = await state.update<Spawned>(async (st) => {
        const byOp = Object.values(st.versions).find((x) => x.opId === r.opId);
        if (byOp && byOp.version !== r.version)
          throw DeployOperationConflict(`operation ${r.opId} already deployed version ${byOp.version}`, {
            fields: [{ path: 'request.opId', message: `already used for version ${byOp.version}` }],
          });
        const existing = st.versions[r.version];
        const running =
          existing && existing.retiredAt === undefined && isOurProcess(existing.pid, existing.startTime);
        // The same operation again (a replay after a crash) or the version already up: never a second process.
        if (existing && (running || existing.opId === r.opId))
          return { state: null, result: { record: existing, exited: null } };
        const spawned = await spawnVersion(r, st.versions);
        return {
          state: { ...st, versions: { ...st.versions, [r.version]: spawned.record } },
          result: spawned,
        };
      });
      // The lock is released: other versions can start while this one binds its port.
      const d = await settle(r, outcome);
      return failIfFailed(await describe(d));
    },

    status,

    waitReady: (version, options) =>
      waitUntilReady(status, version, options, { timeoutMs: readyTimeoutMs, healthCheck }),

    async retire(request) {
      const r = parseInput(retireRequestSchema, request, 'request');
      const record = await state.update(async (st) => {
        const existing = st.versions[r.version];
        if (!existing) return { state: null, result: null };
        if (existing.retiredAt !== undefined) return { state: null, result: existing };
        const retired = { ...existing, retiredBy: r.opId, retiredAt: now() };
        return { state: { ...st, versions: { ...st.versions, [r.version]: retired } }, result: retired };
      });
      if (!record) return null;
      // Marked first, stopped outside the lock; a repeat after a crash mid-stop stops it again.
      await stopGroup(record, o.stopGraceSeconds * 1000);
      return describe(record);
    },

    async list() {
      const records = Object.values((await state.read()).versions).filter((r) => r.retiredAt === undefined);
      return Promise.all(records.sort((a, b) => a.startedAt - b.startedAt).map(describe));
    },

    async close() {},
  };
}

/** Stable per state dir, operation and version; hashed so no path or opId leaks into `ps e`. */
export function tagOf(stateDir: string, opId: string, version: string): string {
  return createHash('sha256').update(`${stateDir}\0${opId}\0${version}`).digest('hex').slice(0, 32);
}

function inheritedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}
