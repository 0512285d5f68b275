/** Each stage as a bar from when it started to when it completed (or now), on one time axis. */
import { duration, Status } from '../../ui/Status';
import type { Run } from './types';

export function Timeline({ run, now = Date.now() }: { run: Run; now?: number }) {
  const start = Date.parse(run.startedAt);
  const end = run.endedAt ? Date.parse(run.endedAt) : now;
  const span = Math.max(1, end - start);
  return (
    <table className="timeline">
      <caption>Per-stage timeline</caption>
      <thead>
        <tr>
          <th scope="col">Stage</th>
          <th scope="col">Status</th>
          <th scope="col">Time in stage</th>
          <th scope="col" className="bar-col">
            <span className="sr-only">Span</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {run.stages.map((s) => {
          const from = s.startedAt ? Date.parse(s.startedAt) : null;
          const to = s.completedAt ? Date.parse(s.completedAt) : end;
          const left = from === null ? 0 : ((from - start) / span) * 100;
          const width = from === null ? 0 : Math.max(0.5, ((to - from) / span) * 100);
          return (
            <tr key={s.name}>
              <th scope="row">{s.name}</th>
              <td>
                <Status value={s.status} />
              </td>
              <td>{duration(s.startedAt, s.completedAt, now)}</td>
              <td className="bar-col" aria-hidden="true">
                <div className="bar-track">
                  {from !== null && (
                    <div
                      className={`bar tone-${s.status}`}
                      style={{ left: `${left}%`, width: `${width}%` }}
                    />
                  )}
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
