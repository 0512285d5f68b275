/**
 * `explain`: why a run did what it did, in plain sentences, from its stored history (each
 * event with the transitions it caused). Every metric check is in that history with its
 * readings and decision, so nothing is re-judged here: the words say what the machine decided.
 */
import { formatCount, formatReading } from '../analysis/index.js';
import type { CheckRecord } from './executors/common.js';
import { NOTED, type TransitionRecord } from './machine/tx.js';

export interface ExplainEntry {
  at: number;
  event: { type: string; [key: string]: unknown };
  transitions: readonly TransitionRecord[];
}

const clock = (at: number, t0: number) => {
  const s = Math.round((at - t0) / 1000);
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `+${hh}:${mm}:${ss}`;
};

function bound(t: { min?: number; max?: number }, metric: string): string {
  const parts: string[] = [];
  if (t.min !== undefined) parts.push(`at least ${formatReading(metric, t.min)}`);
  if (t.max !== undefined) parts.push(`at most ${formatReading(metric, t.max)}`);
  return parts.length ? parts.join(' and ') : 'no bound (data must be present)';
}

function metricLines(check: CheckRecord): string[] {
  return check.metrics.map((m) => {
    const query = m.query ? ` Query: ${m.query}.` : '';
    const samples = `${formatCount(m.samples)} samples (minimum ${formatCount(m.minSamples)})`;
    return `    - ${m.metric} ${m.verdict.toUpperCase()}: ${m.reason}. Held to ${bound(m.threshold, m.metric)}; ${samples}.${query}`;
  });
}

function checkSentence(stage: string, weight: number, c: CheckRecord, event: string): string {
  const at = `${stage} at ${weight}%`;
  if (event === 'breach')
    return `${at}: a reading taken when the routers pushed new counts, between scheduled checks, failed decisively (${c.limit}), so the stage fails and rolls back at once.`;
  switch (c.decision) {
    case 'pass':
      return `${at}: every metric passed its check, so the step advances.`;
    case 'retry':
      return `${at}: not every metric passed yet and no limit was reached, so it waits and measures again.`;
    case 'pause':
      return `${at}: checks stayed inconclusive (${c.limit}); the stage's analysis says a person decides, so the run pauses. Resume to measure afresh, or abort to roll back.`;
    case 'fail':
      return `${at}: the check failed (${c.limit === 'deadline' ? "the step's deadline" : c.limit}), so the stage fails and rolls back.`;
  }
}

/** A check of the post-release guard (plan.guard), after every stage completed. */
function guardSentence(c: CheckRecord): string {
  if (c.decision === 'fail')
    return `After the release, the guard's check failed (${c.limit}), so the run rolls back to the previous release.`;
  if (c.decision === 'pass')
    return "After the release, the guard's check passed; it keeps watching until its time is up.";
  return "After the release, the guard's check was inconclusive; that alone never rolls a release back, so it keeps watching.";
}

/**
 * The run's story, one line per thing that mattered: start, weights, every check with its
 * readings against their bounds, pauses, failures, rollbacks and the end.
 * @example
 * explainRun(history).join('\n') // "+00:10:00 frontend_canary at 5%: every metric passed …"
 */
export function explainRun(history: readonly ExplainEntry[]): string[] {
  const t0 = history[0]?.at ?? 0;
  const out: string[] = [];
  let lastCheck = '';
  // a failure's reason is told once, with its check; later lines point back to it
  const told = (reason: string) =>
    lastCheck && reason.includes(lastCheck)
      ? reason
          .replace(lastCheck, 'the check above')
          .replace(/: metrics failed: the check above/, ': the check above')
      : reason;
  for (const entry of history) {
    const when = clock(entry.at, t0);
    if (entry.event.type === 'resume') out.push(`${when} A person resumed the run.`);
    if (entry.event.type === 'abort') out.push(`${when} A person aborted the run.`);
    for (const t of entry.transitions) {
      const weight = t.stage ? (t.weights[t.stage] ?? 0) : 0;
      if (t.check && t.stage === null) {
        out.push(`${when} ${guardSentence(t.check)}`, ...metricLines(t.check));
        lastCheck = t.check.decision === 'fail' ? t.check.reason : '';
        continue;
      }
      if (t.check && t.stage) {
        out.push(
          `${when} ${checkSentence(t.stage, weight, t.check, entry.event.type)}`,
          ...metricLines(t.check),
        );
        lastCheck = t.check.decision === 'fail' ? t.check.reason : '';
        continue;
      }
      if (t.stage && t.reason.startsWith(NOTED)) {
        // a webhook held or released the walk (a confirm hook, pre-rollout failures)
        out.push(`${when} ${t.stage}: ${t.reason.slice(NOTED.length)}.`);
        continue;
      }
      const weights = /^weight (\d+)% -> (\d+)%$/.exec(t.reason);
      if (weights && t.stage) {
        out.push(
          `${when} ${t.stage} moved the new version from ${weights[1]}% to ${weights[2]}% of traffic.`,
        );
        continue;
      }
      if (t.stage === null) {
        out.push(`${when} The run is ${t.to.replace('_', ' ')}: ${told(t.reason)}.`);
        continue;
      }
      if (['failed', 'rolling_back', 'rolled_back', 'completed'].includes(t.to)) {
        out.push(`${when} Stage ${t.stage} is ${t.to.replace('_', ' ')}: ${told(t.reason)}.`);
      }
    }
  }
  return out;
}
