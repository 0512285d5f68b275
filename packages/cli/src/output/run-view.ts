/** The live view of a run: its stages as a DAG in order, with state, weight and what each waits for. */
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

function bar(weight: number): string {
  const filled = Math.round(weight / 10);
  return `[${'#'.repeat(filled)}${'.'.repeat(10 - filled)}] ${String(weight).padStart(3)}%`;
}

export function renderRun(run: RunView): string {
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
  }
  if (run.waitingFor.length && !run.stages.some((s) => s.waitingFor))
    lines.push('', ...run.waitingFor.map((w) => `waiting: ${w}`));
  return `${lines.join('\n')}\n`;
}
