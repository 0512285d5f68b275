/**
 * What is wrong with the database right now, in words an operator can act on (issue 13, L3):
 * a write that failed for lack of space is remembered for a while (`/readyz` says so, writes
 * answer STORAGE_FULL); a SQLite file or its WAL deleted or replaced under the running process
 * is noticed by comparing the files with the ones opened (the process would otherwise go on
 * writing into a file nobody can see, and the next start would look like a fresh install).
 */
import { statSync } from 'node:fs';
import { isSluiceError } from '@sluice/core';
import { DatabaseLost, StorageFull } from './errors.js';

/** How long a failed write's "no space" stays the answer of `/readyz` without a new failure. */
const FULL_MEMORY_MS = 30_000;

export interface StorageHealth {
  /** Notes an error a query raised (already classified by `storageError`). */
  observe(error: unknown): void;
  /** Why the database cannot take writes now, or null. */
  problem(): string | null;
}

export function storageHealth(sqliteFile?: string, now: () => number = Date.now): StorageHealth {
  let full: { detail: string; at: number } | null = null;
  const opened = sqliteFile ? identity(sqliteFile) : null;
  return {
    observe(error) {
      if (isSluiceError(error) && StorageFull.is(error)) full = { detail: error.detail, at: now() };
    },
    problem() {
      if (sqliteFile && opened) {
        const current = identity(sqliteFile);
        if (current === null) return `DATABASE_LOST: ${sqliteFile} was deleted while the server ran`;
        if (current !== opened) return `DATABASE_LOST: ${sqliteFile} was replaced while the server ran`;
        // in WAL mode the -wal file lives as long as a connection is open
        if (identity(`${sqliteFile}-wal`) === null)
          return `DATABASE_LOST: ${sqliteFile}-wal was deleted while the server ran; recent writes are gone`;
      }
      if (full && now() - full.at < FULL_MEMORY_MS) return `STORAGE_FULL: ${full.detail}`;
      return null;
    },
  };
}

/** The file's device and inode, or null when it is gone. */
function identity(path: string): string | null {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

/** The DATABASE_LOST error for a problem `storageHealth` reported, for writes refused because of it. */
export function lostError(problem: string): Error {
  return DatabaseLost(problem.replace(/^DATABASE_LOST: /, ''));
}
