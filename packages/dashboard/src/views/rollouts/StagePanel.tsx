/** A stage in detail: its analysis checks with values and thresholds, and the decisions taken. */
import { Status } from '../../ui/Status';
import { type Check, checksOf, type HistoryEntry, type Stage } from './types';

function format(value: unknown, unit?: string | null): string {
  if (value === null || value === undefined) return '—';
  const text = typeof value === 'number' ? String(Math.round(value * 1000) / 1000) : String(value);
  return unit ? `${text} ${unit}` : text;
}

/** `{max: 1}` → "≤ 1", `{min: 2, max: 5}` → "≥ 2, ≤ 5". */
function limits(threshold: Check['threshold'], unit: string | null): string {
  const parts = [
    ...(threshold.min !== undefined ? [`≥ ${format(threshold.min, unit)}`] : []),
    ...(threshold.max !== undefined ? [`≤ ${format(threshold.max, unit)}`] : []),
  ];
  return parts.join(', ') || '—';
}

export function Checks({ checks }: { checks: Check[] | null }) {
  if (!checks?.length) return <p className="muted">No checks yet.</p>;
  return (
    <table>
      <caption>Analysis checks</caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">Value</th>
          <th scope="col">Threshold</th>
          <th scope="col">Samples</th>
          <th scope="col">Window</th>
          <th scope="col">Verdict</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {checks.map((c) => (
          <tr key={c.metric}>
            <th scope="row" title={c.query ?? undefined}>
              {c.metric}
            </th>
            <td>{format(c.value, c.unit)}</td>
            <td>{limits(c.threshold, c.unit)}</td>
            <td>
              {c.samples} / {c.minSamples}
            </td>
            <td>{format(c.window)}</td>
            <td>
              <Status value={c.verdict} />
            </td>
            <td>
              {c.reason}
              {c.nextAt ? (
                <span className="muted"> next check {new Date(c.nextAt).toLocaleTimeString()}</span>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function StagePanel({
  stage,
  history,
  startedBy,
}: {
  stage: Stage;
  history: HistoryEntry[];
  startedBy: string;
}) {
  const decisions = history.flatMap((h) =>
    h.transitions.filter((t) => t.stage === stage.name).map((t) => ({ ...t, actor: h.actor, seq: h.seq })),
  );
  const verdicts = history.filter(
    (h) => (h.event.type === 'approve' || h.event.type === 'reject') && h.event.stage === stage.name,
  );
  return (
    <section aria-labelledby="stage-title" className="panel">
      <h3 id="stage-title">
        Stage {stage.name} <Status value={stage.status} />
      </h3>
      {stage.error && <p className="error">{stage.error}</p>}
      <Checks checks={checksOf(stage)} />
      {(stage.checkedAt || stage.checkDeadline) && (
        <p className="muted">
          {stage.checkedAt ? `Last checked ${new Date(stage.checkedAt).toLocaleTimeString()}. ` : ''}
          {stage.checkDeadline
            ? `Without a verdict by ${new Date(stage.checkDeadline).toLocaleTimeString()}, the stage fails.`
            : ''}
        </p>
      )}
      {verdicts.length > 0 && (
        <>
          <h4>Approvals</h4>
          <ul>
            {verdicts.map((h) => (
              <li key={h.seq}>
                {h.event.type === 'approve' ? 'Approved' : 'Rejected'} by{' '}
                <strong>{h.event.subject ?? h.actor}</strong>
                {h.event.type === 'approve' && (h.event.subject ?? h.actor) === startedBy
                  ? ' (the run’s starter: not counted)'
                  : ''}
                {h.event.roles?.length ? ` as ${h.event.roles.join(', ')}` : ''} at{' '}
                {new Date(h.at).toLocaleTimeString()}
                {h.event.comment ? ` — “${h.event.comment}”` : ''}
                {h.event.reason ? ` — “${h.event.reason}”` : ''}
              </li>
            ))}
          </ul>
        </>
      )}
      <h4>Decisions</h4>
      {decisions.length ? (
        <ol className="decisions">
          {decisions.map((d) => (
            <li key={`${d.seq}:${d.from}:${d.to}:${d.at}`}>
              <time dateTime={new Date(d.at).toISOString()}>{new Date(d.at).toLocaleTimeString()}</time>{' '}
              {d.from} → <strong>{d.to}</strong>: {d.reason}
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">Nothing decided yet.</p>
      )}
    </section>
  );
}
