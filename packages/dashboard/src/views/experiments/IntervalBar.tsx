/**
 * A lift's 95 % interval on an axis shared by a metric's arms, with zero marked: an HTML bar
 * positioned in percent (no chart library needed for one segment and one point), its numbers
 * in the accessible name and beside it, its colour never the only cue.
 */
export interface Axis {
  min: number;
  max: number;
}

/** An axis that holds zero and every interval, with a little room at both ends. */
export function axisFor(intervals: (number[] | null)[]): Axis {
  const ends = intervals.flatMap((i) => (i ? i : [])).filter(Number.isFinite);
  const min = Math.min(0, ...ends);
  const max = Math.max(0, ...ends);
  const pad = (max - min || 1) * 0.08;
  return { min: min - pad, max: max + pad };
}

/** better | worse | unclear, from where the interval lies against zero. */
export function reading(interval: number[] | null, lowerIsBetter: boolean): 'better' | 'worse' | 'unclear' {
  const [lo, hi] = interval ?? [];
  if (lo === undefined || hi === undefined) return 'unclear';
  if (lo > 0) return lowerIsBetter ? 'worse' : 'better';
  if (hi < 0) return lowerIsBetter ? 'better' : 'worse';
  return 'unclear';
}

const TONE = { better: 'good', worse: 'bad', unclear: 'idle' } as const;

export function IntervalBar(props: {
  label: string;
  estimate: number | null;
  interval: number[] | null;
  axis: Axis;
  lowerIsBetter: boolean;
  format: (x: number) => string;
}) {
  const { axis, estimate, format } = props;
  const [lo, hi] = props.interval ?? [];
  const interval = lo !== undefined && hi !== undefined ? ([lo, hi] as const) : null;
  const at = (x: number) => `${(((x - axis.min) / (axis.max - axis.min)) * 100).toFixed(2)}%`;
  const read = reading(props.interval, props.lowerIsBetter);
  const text = interval
    ? `${format(interval[0])} to ${format(interval[1])}${estimate !== null ? `, estimate ${format(estimate)}` : ''}`
    : 'no interval yet';
  return (
    <div className="interval">
      <div className="interval-track" role="img" aria-label={`${props.label}: ${text} (${read})`}>
        <span className="interval-zero" style={{ left: at(0) }} />
        {interval && (
          <span
            className={`interval-bar tone-${TONE[read]}`}
            style={{ left: at(interval[0]), width: `calc(${at(interval[1])} - ${at(interval[0])})` }}
          />
        )}
        {estimate !== null && <span className="interval-point" style={{ left: at(estimate) }} />}
      </div>
      <span className="interval-text">
        {text} <em>({read})</em>
      </span>
    </div>
  );
}
