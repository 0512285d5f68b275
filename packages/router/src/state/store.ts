import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseRouterSnapshot, type RouterSnapshot } from '../config/index.js';

export const SNAPSHOT_FILE = 'router-config.json';
const ROUTER_ID_FILE = 'router-id';

/** Writes a file so readers see the old content or the new, never a torn one: tmp + fsync + rename. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // Make the rename itself durable where the platform allows syncing a directory.
  try {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Not supported on every platform; the rename is still atomic.
  }
}

export type LoadResult =
  | { kind: 'missing' }
  | { kind: 'loaded'; snapshot: RouterSnapshot }
  | { kind: 'invalid'; error: unknown };

/** The last applied snapshot of a router, kept in its state directory. */
export class SnapshotStore {
  readonly path: string;
  constructor(readonly stateDir: string) {
    this.path = join(stateDir, SNAPSHOT_FILE);
  }

  async load(): Promise<LoadResult> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      return { kind: 'invalid', error: err };
    }
    try {
      return { kind: 'loaded', snapshot: parseRouterSnapshot(JSON.parse(text)) };
    } catch (error) {
      return { kind: 'invalid', error };
    }
  }

  async save(snapshot: RouterSnapshot): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(snapshot, null, 2)}\n`);
  }

  /** A stable id for this router, made on first use. */
  async routerId(): Promise<string> {
    const path = join(this.stateDir, ROUTER_ID_FILE);
    try {
      const id = (await readFile(path, 'utf8')).trim();
      if (/^[A-Za-z0-9._-]{1,64}$/.test(id)) return id;
    } catch {
      // Missing or unreadable: make a new one.
    }
    const id = `router-${randomUUID()}`;
    await writeFileAtomic(path, `${id}\n`);
    return id;
  }
}
