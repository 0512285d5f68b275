/**
 * What a failing database means to a client, with the real cause (issue 13, L3 and M5): the
 * database is out of reach (503, retry), out of space (507), or its files were lost or replaced
 * under the process (503 until an operator restores them). Anything else stays INTERNAL.
 */
import { defineError, isSluiceError, type SluiceError } from '@sluice/core';

export const DatabaseUnavailable = defineError('DATABASE_UNAVAILABLE', 503, 'The database cannot be reached');
export const StorageFull = defineError('STORAGE_FULL', 507, 'The database has no space left');
export const DatabaseLost = defineError(
  'DATABASE_LOST',
  503,
  'The database files were lost or replaced while the server ran',
);

/** SQLite codes (better-sqlite3 `code`) and PostgreSQL SQLSTATEs / socket codes, by meaning. */
const FULL = new Set(['SQLITE_FULL', '53100']);
const LOST = new Set([
  'SQLITE_IOERR',
  'SQLITE_IOERR_SHORT_READ',
  'SQLITE_IOERR_FSTAT',
  'SQLITE_IOERR_READ',
  'SQLITE_IOERR_WRITE',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_READONLY_DBMOVED',
  'SQLITE_CANTOPEN',
]);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);
const UNREACHABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|the database system is (?:shutting down|starting up)/i;

/** The storage failure an error stands for, or null when it is not one. */
export function storageError(error: unknown): SluiceError | null {
  if (isSluiceError(error)) return null;
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return null;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (FULL.has(code) || /database or disk is full|No space left on device/i.test(message))
    return StorageFull(`the database has no space left (${code || message}); free space, then retry`, {
      cause: error,
    });
  if (LOST.has(code) || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CORRUPT'))
    return DatabaseLost(`the database files cannot be used (${code}: ${message})`, { cause: error });
  if (UNREACHABLE_CODES.has(code) || code.startsWith('08') || UNREACHABLE_MESSAGES.test(message))
    return DatabaseUnavailable(`the database cannot be reached (${code || message})`, { cause: error });
  return null;
}
