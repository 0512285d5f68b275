import type { ReactNode } from 'react';

const TONE: Record<string, string> = {
  succeeded: 'good',
  completed: 'good',
  pass: 'good',
  running: 'busy',
  gating: 'wait',
  waiting: 'wait',
  paused: 'wait',
  pending: 'idle',
  skipped: 'idle',
  failed: 'bad',
  fail: 'bad',
  rolled_back: 'bad',
  rolling_back: 'bad',
  aborted: 'bad',
  inconclusive: 'wait',
};

/** A status word with a colour that is never the only cue (the word is always there). */
export function Status({ value, children }: { value: string; children?: ReactNode }) {
  return (
    <span className={`status tone-${TONE[value] ?? 'idle'}`}>{children ?? value.replace(/_/g, ' ')}</span>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorNote({ error }: { error: string | null }) {
  return error ? (
    <p role="alert" className="error">
      {error}
    </p>
  ) : null;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export function duration(fromIso: string | null, toIso: string | null, now = Date.now()): string {
  if (!fromIso) return '—';
  const ms = (toIso ? Date.parse(toIso) : now) - Date.parse(fromIso);
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
