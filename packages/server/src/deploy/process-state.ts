/**
 * The process provider's durable memory: one JSON file per Service in the data dir recording
 * each version's pid, process start time, port and the operation that started it. Written
 * atomically (temp file + rename) under a lock directory, so two control planes on one machine
 * never start a version twice and a crash never leaves a half-written file.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DeployProviderUnavailable } from './errors.js';
import { opIdSchema, versionNameSchema } from './model.js';
import { isOurProcess } from './process-os.js';

export const processRecordSchema = z.object({
  version: versionNameSchema,
  opId: opIdSchema,
  pid: z.number().int().positive(),
  /** `/proc` start time, so a recycled pid is never mistaken for ours; null without /proc. */
  startTime: z.string().nullable(),
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  argv: z.array(z.string()),
  logFile: z.string(),
  /** Epoch milliseconds. */
  startedAt: z.number(),
  /** Set once retired: the retiring operation and when. */
  retiredBy: opIdSchema.optional(),
  retiredAt: z.number().optional(),
});
export type ProcessRecord = z.infer<typeof processRecordSchema>;

const stateFileSchema = z.object({
  format: z.literal(1),
  /** Current record per version (running, or retired as a tombstone). */
  versions: z.record(z.string(), processRecordSchema),
});
export type StateFile = z.infer<typeof stateFileSchema>;

/** Tombstones kept so a repeated retire or deploy with an old opId still answers; oldest go first. */
const MAX_TOMBSTONES = 50;

export class ProcessState {
  private readonly file: string;
  private readonly lockDir: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {
    this.file = join(dir, 'state.json');
    this.lockDir = join(dir, 'state.lock');
  }

  /** Reads the records without locking (a consistent snapshot: the file is replaced atomically). */
  async read(): Promise<StateFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { format: 1, versions: {} };
      throw DeployProviderUnavailable(`cannot read ${this.file}: ${(err as Error).message}`, { cause: err });
    }
    const parsed = stateFileSchema.safeParse(safeJson(text));
    if (!parsed.success)
      throw DeployProviderUnavailable(`${this.file} is corrupt: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data;
  }

  /**
   * Runs `fn` with the state under the lock (in this process and across processes) and saves
   * what it returns as `state`.
   */
  update<T>(fn: (state: StateFile) => Promise<{ state: StateFile | null; result: T }>): Promise<T> {
    const run = this.chain.then(async () => {
      await this.lock();
      try {
        const { state, result } = await fn(await this.read());
        if (state !== null) await this.write(prune(state));
        return result;
      } finally {
        await rm(this.lockDir, { recursive: true, force: true });
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async write(state: StateFile): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
    await rename(tmp, this.file);
  }

  /**
   * Renaming a directory is atomic: whoever renames theirs to `state.lock` holds the lock, and
   * the lock never exists without its owner inside (a holder killed between creating the lock
   * and naming its owner would otherwise leave a lock nobody can take over). A dead holder's lock
   * is taken over.
   */
  private async lock(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (let i = 0; i < 1200; i++) {
      const mine = `${this.lockDir}.${process.pid}.${i}`;
      await mkdir(mine, { recursive: true });
      await writeFile(join(mine, 'owner'), String(process.pid));
      try {
        await rename(mine, this.lockDir);
        return;
      } catch (err) {
        await rm(mine, { recursive: true, force: true });
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
      }
      const owner = Number(await readFile(join(this.lockDir, 'owner'), 'utf8').catch(() => 'NaN'));
      // a lock without an owner was left by a version that named its owner after taking it
      const ownerless = !Number.isInteger(owner) && (await ageMs(this.lockDir)) > 10_000;
      if (ownerless || (Number.isInteger(owner) && owner !== process.pid && !isOurProcess(owner, null))) {
        await rm(this.lockDir, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw DeployProviderUnavailable(`${this.lockDir} is held by another process`);
  }
}

async function ageMs(path: string): Promise<number> {
  const info = await stat(path).catch(() => null);
  return info ? Date.now() - info.mtimeMs : 0;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function prune(state: StateFile): StateFile {
  const tombstones = Object.values(state.versions)
    .filter((r) => r.retiredAt !== undefined)
    .sort((a, b) => (a.retiredAt ?? 0) - (b.retiredAt ?? 0));
  const drop = new Set(
    tombstones.slice(0, Math.max(0, tombstones.length - MAX_TOMBSTONES)).map((r) => r.version),
  );
  return {
    format: 1,
    versions: Object.fromEntries(Object.entries(state.versions).filter(([v]) => !drop.has(v))),
  };
}
