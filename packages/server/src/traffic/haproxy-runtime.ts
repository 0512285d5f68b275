import net from 'node:net';
import { TrafficProviderRejected, TrafficProviderUnavailable } from './errors.js';

/** Where HAProxy's runtime API listens: a unix socket path, or `tcp://host:port` (`ipv4@host:port`). */
export function runtimeAddress(socket: string): net.NetConnectOpts {
  const tcp = /^(?:tcp:\/\/|ipv4@|ipv6@)\[?([^\]]+?)\]?:(\d+)$/.exec(socket);
  if (tcp) return { host: tcp[1]!, port: Number(tcp[2]) };
  return { path: socket.replace(/^unix:(\/\/)?/, '') };
}

/**
 * Sends one command over a fresh connection (HAProxy closes it after answering in
 * non-interactive mode) and returns the answer text.
 */
export function runtimeCommand(
  address: net.NetConnectOpts,
  command: string,
  timeoutMs: number,
): Promise<string> {
  if (/[\n;]/.test(command)) throw new Error(`refusing a runtime command with a separator: ${command}`);
  return new Promise((resolve, reject) => {
    const socket = net.connect(address);
    let answer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const where = 'path' in address ? address.path : `${address.host}:${address.port}`;
      reject(
        TrafficProviderUnavailable(
          `HAProxy runtime API at ${where} is unreachable: ${err.code ?? err.message}`,
          {
            cause: err,
          },
        ),
      );
    });
  });
}

/** One row of `show servers state <backend>`. */
export interface ServerState {
  id: number;
  name: string;
  addr: string;
  port: number;
  /** srv_admin_state bit field; any maintenance bit means the server takes no traffic. */
  adminState: number;
  weight: number;
}

// SRV_ADMF_FMAINT | IMAINT | CMAINT | RMAINT (src/server.h): forced, inherited, config, DNS.
const MAINTENANCE_BITS = 0x01 | 0x02 | 0x04 | 0x20;

export const inMaintenance = (s: ServerState) => (s.adminState & MAINTENANCE_BITS) !== 0;

/** Parses `show servers state`: a version line, a `# field names` line, then one row per server. */
export function parseServersState(text: string, backend: string): ServerState[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) {
    throw TrafficProviderRejected(`HAProxy did not list servers of backend "${backend}": ${text.trim()}`);
  }
  const names = header.slice(2).trim().split(/\s+/);
  const col = (row: string[], name: string) => row[names.indexOf(name)] ?? '';
  return lines
    .filter((l) => !l.startsWith('#') && /^\d+ /.test(l))
    .map((l) => l.trim().split(/\s+/))
    .filter((row) => col(row, 'be_name') === backend)
    .map((row) => ({
      id: Number(col(row, 'srv_id')),
      name: col(row, 'srv_name'),
      addr: col(row, 'srv_addr'),
      port: Number(col(row, 'srv_port')),
      adminState: Number(col(row, 'srv_admin_state')),
      weight: Number(col(row, 'srv_uweight')),
    }));
}
