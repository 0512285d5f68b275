import { readdir, readFile } from 'node:fs/promises';

// After `nginx -s reload` the master starts new workers, waits ~100 ms, then tells the old
// ones to stop accepting; until then a new connection may still land on the old config. On
// Linux the process titles say which is which, so the provider waits for the old workers to
// be gone or "shutting down" before it trusts a read-back.

async function statOf(pid: number): Promise<{ ppid: number } | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (text === null) return null;
  // Field 4 is the parent pid; the command (field 2) may contain spaces, so split after ')'.
  const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isFinite(ppid) ? { ppid } : null;
}

export async function parentOf(pid: number): Promise<number | null> {
  return (await statOf(pid))?.ppid ?? null;
}

/** The worker processes of an NGINX master still accepting connections (not shutting down). */
export async function acceptingWorkers(masterPid: number): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const out: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if ((await statOf(pid))?.ppid !== masterPid) continue;
    const title = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (title.includes('worker process') && !title.includes('shutting down')) out.push(pid);
  }
  return out;
}

export const procAvailable = async () => (await statOf(process.pid)) !== null;
