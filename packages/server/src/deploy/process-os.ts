/**
 * Operating-system pieces of the process provider: argv templates, detached spawning, free
 * ports, and telling whether a recorded pid is still the process we started.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import net from 'node:net';

/**
 * Splits a command line into argv the way a POSIX shell would for plain words, '…' and "…"
 * quoting and backslash escapes — but runs no shell, so a placeholder's value can never
 * become a second command. Returns null for an unterminated quote.
 */
export function splitCommand(command: string): string[] | null {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < command.length; i++) {
    const c = command[i] as string;
    if (quote === "'") {
      if (c === "'") quote = null;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < command.length && '"\\$`'.includes(command[i + 1] as string))
        current += command[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      current += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote !== null) return null;
  if (inWord) args.push(current);
  return args;
}

/**
 * The process start time in clock ticks since boot (`/proc/<pid>/stat` field 22), and whether
 * it is a zombie. Null where there is no /proc (then only `kill(pid, 0)` is checked).
 */
export function procStat(pid: number): { startTime: string; zombie: boolean; groupLeader: boolean } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      startTime: fields[19] ?? '',
      zombie: fields[0] === 'Z' || fields[0] === 'X',
      groupLeader: fields[2] === String(pid),
    };
  } catch {
    return null;
  }
}

/**
 * Whether `pid` is alive and still the process recorded with `startTime` (a recycled pid
 * belongs to someone else and must never be adopted or signalled).
 */
export function isOurProcess(pid: number, startTime: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: exists but is another user's — so not a process we started either.
    return false;
  }
  const stat = procStat(pid);
  if (stat === null) return true;
  if (stat.zombie) return false;
  return startTime === null || stat.startTime === startTime;
}

/** Signals the whole process group the version leads (the command's children too). */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Spawns `argv` detached: its own process group, stdin closed, stdout and stderr appended to
 * `logFile`, not waited for — so a SIGKILL of the control plane leaves it running.
 * Resolves with its pid once the spawn succeeded (ENOENT etc. reject).
 */
export function spawnDetached(
  argv: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string },
): Promise<{ pid: number; exited: Promise<number | null> }> {
  const fd = openSync(options.logFile, 'a');
  try {
    const [file, ...args] = argv as [string, ...string[]];
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null)));
      child.once('error', () => resolve(null));
    });
    child.unref();
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve({ pid: child.pid as number, exited }));
    });
  } finally {
    closeSync(fd);
  }
}

/** A port the OS considers free on `host` now (bound to :0 and released: the caller retries on a race). */
export function pickPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on host:port. */
export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Finds a live process-group leader whose environment carries `name=value` (the tag every
 * spawned version gets), with its `PORT`. This is how a version spawned just before a crash —
 * before its pid reached the state file — is found instead of started twice. Linux only
 * (/proc); null elsewhere or when there is none.
 */
export function findTaggedProcess(name: string, value: string): { pid: number; port: number } | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const needle = `${name}=${value}`;
  for (const entry of pids) {
    const pid = Number(entry);
    let environ: string[];
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    } catch {
      continue; // gone, or not ours to read
    }
    if (!environ.includes(needle)) continue;
    const stat = procStat(pid);
    if (!stat || stat.zombie || !stat.groupLeader) continue;
    const port = Number(environ.find((e) => e.startsWith('PORT='))?.slice(5));
    if (Number.isInteger(port) && port > 0) return { pid, port };
  }
  return null;
}

/** Resolves when the port accepts connections, the process exits, or the time is up. */
export async function untilListening(
  host: string,
  port: number,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<'listening' | 'exited' | 'timeout'> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + timeoutMs;
  for (let wait = 10; Date.now() < deadline; wait = Math.min(wait * 2, 200)) {
    if (gone) return 'exited';
    if (await portOpen(host, port, 200)) return 'listening';
    await new Promise((r) => setTimeout(r, wait));
  }
  return gone ? 'exited' : 'timeout';
}

/** SIGTERM to the group, then SIGKILL once the grace is over; resolves when the leader is gone. */
export async function stopGroup(
  r: { pid: number; startTime: string | null },
  graceMs: number,
): Promise<void> {
  if (!isOurProcess(r.pid, r.startTime)) return;
  signalGroup(r.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurProcess(r.pid, r.startTime)) return;
    await new Promise((res) => setTimeout(res, 25));
  }
  signalGroup(r.pid, 'SIGKILL');
  for (let i = 0; i < 200 && isOurProcess(r.pid, r.startTime); i++)
    await new Promise((res) => setTimeout(res, 10));
}

/** The last lines of a version's log, for error details. */
export async function logTail(file: string): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 1024);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const text = buffer.toString('utf8').trim();
      return text ? `; log ends: ${text.split('\n').slice(-5).join(' | ')}` : '';
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}
