import { stringify } from 'yaml';
import { usageError } from '../errors.js';

export type OutputFormat = 'table' | 'json' | 'yaml';

export function parseFormat(value: string | undefined, fallback: OutputFormat = 'table'): OutputFormat {
  const v = value ?? fallback;
  if (v === 'table' || v === 'json' || v === 'yaml') return v;
  throw usageError(`-o must be table, json or yaml (got "${v}")`);
}

export function render(value: unknown, format: OutputFormat, table: () => string): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  if (format === 'yaml') return stringify(value);
  return table();
}

/** Aligned columns with a header row. */
export function formatTable(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const lines = cells.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}

/** "3m ago" for recent ISO times, the date otherwise. */
export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
