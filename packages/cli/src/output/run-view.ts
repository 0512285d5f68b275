/** The live view of a run: its stages as a DAG in order, with state, weight, what each waits for and why. */
import { formatDuration } from '@sluice/core/rollouts';

/** A stage's latest reading of one metric (the server's `StageCheck`). */
export interface CheckView {
  metric: string;
  query: string | null;
  window: string;
  value: number | null;
  reason: string;
  threshold: { min?: number; max?: number };
  unit: string | null;
  samples: number;
  minSamples: number;
  verdict: 'pass' | 'fail' | 'inconclusive';
  nextAt: string | null;
}

export interface RunView {
  id: string;
  rollout: string;
  environment: string;
  status: string;
  reason: string | null;
  startedBy: string;
  startedAt: string;
  /** Absent from older servers; N > 1 when the run lives N times faster than its plan. */
  timeScale?: number;
  waitingFor: string[];
  stages: {
    name: string;
    strategy: string;
    status: string;
    weight: number;
    attempt: number;
    dependencies: string[];
    waitingFor: string | null;
    error: string | null;
    /** Absent from older servers. */
    checks?: CheckView[];
    checkedAt?: string | null;
    checkDeadline?: string | null;
  }[];
}

const ICON: Record<string, string> = {
  pending: '·',
  gating: '⏸',
  running: '▶',
  verifying: '◎',
  finishing: '▶',
  completed: '✓',
  failed: '✗',
  rolling_back: '↺',
  rolled_back: '↺',
  cancelled: '-',
};
const VERDICT: Record<CheckView['verdict'], string> = { pass: '✓', fail: '✗', inconclusive: '?' };
/** Stages whose checks are worth showing: live ones, and the one that failed on them. */
const SHOW_CHECKS = new Set(['gating', 'running', 'verifying', 'finishing', 'failed', 'rolling_back']);

function bar(weight: number): string {
  const filled = Math.round(weight / 10);
  return `[${'#'.repeat(filled)}${'.'.repeat(10 - filled)}] ${String(weight).padStart(3)}%`;
}

/** Seconds to the millisecond, anything else to two decimals, as the server's reasons print them. */
const withUnit = (n: number, unit: string | null) =>
  `${Number(n.toFixed(unit === 's' ? 3 : 2))}${unit ?? ''}`;

function bound(c: CheckView): string {
  const { min, max } = c.threshold;
  if (min !== undefined && max !== undefined) return `${withUnit(min, c.unit)}..${withUnit(max, c.unit)}`;
  if (max !== undefined) return `≤ ${withUnit(max, c.unit)}`;
  if (min !== undefined) return `≥ ${withUnit(min, c.unit)}`;
  return 'any value';
}

/** `12:03:05 (in 8s)` with a clock to compare with; the time alone without one. */
function when(iso: string, now: number | undefined): string {
  const at = new Date(iso);
  const clock = at.toTimeString().slice(0, 8);
  if (now === undefined) return clock;
  const ms = at.getTime() - now;
  return ms > 0 ? `${clock} (in ${formatDuration(ms)})` : `${clock} (now)`;
}

function checkLines(s: RunView['stages'][number], now: number | undefined): string[] {
  const checks = s.checks ?? [];
  if (!checks.length || !SHOW_CHECKS.has(s.status)) return [];
  const taken = s.checkedAt ? ` at ${when(s.checkedAt, undefined)}` : '';
  const lines = [`    checks (${checks[0]?.window ?? '?'} window${taken}):`];
  const width = Math.max(...checks.map((c) => c.metric.length));
  for (const c of checks) {
    const value = c.value === null ? 'no value' : withUnit(c.value, c.unit);
    const samples =
      c.samples < c.minSamples ? `${c.samples}/${c.minSamples} samples` : `${c.samples} samples`;
    const why = c.verdict === 'pass' ? '' : `  ${c.reason}`;
    lines.push(
      `      ${VERDICT[c.verdict]} ${c.metric.padEnd(width)}  ${value.padEnd(9)} ${bound(c).padEnd(10)} ${samples}${why}`,
    );
  }
  const next = checks[0]?.nextAt;
  if (next) {
    const unsure = checks.some((c) => c.verdict === 'inconclusive');
    const limit = s.checkDeadline ? `; fails at ${when(s.checkDeadline, now)} if still inconclusive` : '';
    lines.push(`    next: ${unsure ? 'measuring again' : 'next check'} at ${when(next, now)}${limit}`);
  }
  return lines;
}

/** The run as text; with `now`, times also say how far away they are. */
export function renderRun(run: RunView, now?: number): string {
  const lines = [
    `${run.rollout} · run ${run.id} · ${run.environment} · ${run.status.toUpperCase()}${run.reason ? ` (${run.reason})` : ''}`,
    `started by ${run.startedBy} at ${run.startedAt}${(run.timeScale ?? 1) > 1 ? ` · TIME-SCALED ×${run.timeScale}: every planned duration divided by ${run.timeScale}` : ''}`,
    '',
  ];
  for (const s of run.stages) {
    const deps = s.dependencies.length ? ` ← ${s.dependencies.join(', ')}` : '';
    lines.push(
      `${ICON[s.status] ?? '?'} ${s.name.padEnd(24)} ${s.strategy.padEnd(13)} ${s.status.padEnd(12)} ${bar(s.weight)}${s.attempt > 1 ? ` attempt ${s.attempt}` : ''}${deps}`,
    );
    if (s.waitingFor) lines.push(`    waiting: ${s.waitingFor}`);
    if (s.error) lines.push(`    error: ${s.error}`);
    lines.push(...checkLines(s, now));
  }
  if (run.waitingFor.length && !run.stages.some((s) => s.waitingFor))
    lines.push('', ...run.waitingFor.map((w) => `waiting: ${w}`));
  return `${lines.join('\n')}\n`;
}
