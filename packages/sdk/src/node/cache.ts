/** The on-disk copy of the last good flag set: written atomically, read at start. */
import { readFile, rename, writeFile } from 'node:fs/promises';

/** The file's payload, or undefined when there is no file. */
export async function readCache(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return text;
}

/** Writes to a temporary file and renames it: a crash mid-write never leaves half a set. */
export async function writeCache(file: string, payload: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(payload), { mode: 0o600 });
    await rename(tmp, file);
  } catch {
    // the cache is a convenience: serving goes on without it
  }
}
