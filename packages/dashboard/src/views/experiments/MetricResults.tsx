/** One metric's results: each arm's value and users, and each arm's lift over control with its interval drawn. */
import { axisFor, IntervalBar } from './IntervalBar';
import type { Comparison, MetricResult } from './types';

const percent = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} %`;
const pValue = (p: number | null | undefined) =>
  p === null || p === undefined ? '—' : p < 0.001 ? '< 0.001' : p.toFixed(3);

function value(kind: MetricResult['kind'], v: number | null): string {
  if (v === null) return '—';
  return kind === 'conversion' ? `${(v * 100).toFixed(2)} %` : v.toPrecision(4);
}

export function MetricResults({ metric }: { metric: MetricResult }) {
  // relative lifts are comparable across metrics; the absolute one where relative is undefined
  const relative = metric.comparisons.some((c) => c.relativeCi);
  const intervalOf = (c: Comparison) => (relative ? c.relativeCi : c.ci);
  const liftOf = (c: Comparison) => (relative ? c.relativeLift : c.absoluteLift);
  const format = relative ? percent : (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toPrecision(3)}`;
  const axis = axisFor(metric.comparisons.map(intervalOf));
  const id = `metric-${metric.name}`;
  return (
    <section className="metric" aria-labelledby={id}>
      <h3 id={id}>
        {metric.name}{' '}
        <span className="muted">
          ({metric.role}, {metric.kind}, {metric.lowerIsBetter ? 'lower is better' : 'higher is better'}
          {metric.source === 'assumed' ? ', definition assumed' : ''})
        </span>
      </h3>
      <table>
        <caption className="sr-only">{metric.name} per arm against control</caption>
        <thead>
          <tr>
            <th scope="col">Arm</th>
            <th scope="col">Users</th>
            <th scope="col">Value</th>
            <th scope="col">{relative ? 'Relative lift, 95 % interval' : 'Lift, 95 % interval'}</th>
            <th scope="col">p (Holm)</th>
            <th scope="col">p (sequential)</th>
            <th scope="col">Chance to beat control</th>
          </tr>
        </thead>
        <tbody>
          {metric.arms.map((a) => {
            const c = metric.comparisons.find((x) => x.arm === a.arm);
            return (
              <tr key={a.arm}>
                <th scope="row">{a.arm}</th>
                <td>{a.n}</td>
                <td>{value(metric.kind, a.value)}</td>
                <td className="interval-cell">
                  {c ? (
                    <>
                      <IntervalBar
                        label={`${metric.name}, ${a.arm} against control`}
                        estimate={liftOf(c)}
                        interval={intervalOf(c)}
                        axis={axis}
                        lowerIsBetter={metric.lowerIsBetter}
                        format={format}
                      />
                      {c.reason && <div className="muted">{c.reason}</div>}
                      {c.cuped && <CupedLine kind={metric.kind} cuped={c.cuped} />}
                    </>
                  ) : (
                    <span className="muted">baseline</span>
                  )}
                </td>
                <td>{c ? pValue(c.pValueAdjusted ?? c.pValue) : '—'}</td>
                <td>{c ? pValue(c.sequentialPValueAdjusted ?? c.sequentialPValue) : '—'}</td>
                <td>
                  {c?.chanceToBeatControl !== null && c?.chanceToBeatControl !== undefined
                    ? `${(c.chanceToBeatControl * 100).toFixed(1)} %`
                    : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

/** The CUPED-adjusted lift (absolute, fixed horizon) under the arm's interval; not the verdict's. */
function CupedLine({ kind, cuped }: { kind: MetricResult['kind']; cuped: NonNullable<Comparison['cuped']> }) {
  if (cuped.absoluteLift === null || !cuped.ci) {
    return <div className="muted">CUPED: {cuped.reason ?? 'not available'}</div>;
  }
  const reduction = cuped.varianceReduction;
  return (
    <div className="muted">
      CUPED (adjusted for the pre-period): lift {value(kind, cuped.absoluteLift)}, 95 % interval{' '}
      {value(kind, cuped.ci[0] ?? null)} … {value(kind, cuped.ci[1] ?? null)}
      {reduction !== null
        ? `, variance ${reduction >= 0 ? '−' : '+'}${Math.abs(reduction * 100).toFixed(1)} %`
        : ''}
    </div>
  );
}
