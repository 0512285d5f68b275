/**
 * One experiment's results: the verdict and why, the sample ratio check, users so far against
 * those needed, and per metric each arm against control with its interval drawn. Reloads when
 * the experiment is written (watch stream) and on demand: results move with events, which the
 * stream does not announce one by one.
 */
import { ok } from '../../api/client';
import { useLive } from '../../live';
import { useLoad } from '../../load';
import { Link } from '../../router';
import { useSession } from '../../session';
import { ago, ErrorNote, Loading, Status } from '../../ui/Status';
import { ExperimentControls } from './ExperimentControls';
import { MetricResults } from './MetricResults';
import { DECISION, type ExperimentSpec, type Results, STATUS_TONE } from './types';

const DECISION_TONE = { ship: 'good', stop: 'bad', keep_running: 'wait' } as const;

export function ExperimentView({ experiment }: { experiment: string }) {
  const { api, environment } = useSession();
  const params = { params: { path: { name: experiment }, query: { environment } } };
  const resource = useLoad(
    () => ok(api.GET('/api/v1/experiments/{name}', params)),
    [api, environment, experiment],
  );
  const results = useLoad(
    () =>
      ok(
        api.GET('/api/v1/experiments/{key}/results', {
          params: { path: { key: experiment }, query: { environment } },
        }),
      ),
    [api, environment, experiment],
  );
  const reload = () => {
    resource.reload();
    results.reload();
  };
  useLive((c) => c.type === 'resource' && c.kind === 'Experiment' && c.name === experiment, reload);
  const spec = resource.data?.spec as ExperimentSpec | undefined;
  const r = results.data;
  return (
    <article className="experiment" aria-labelledby="experiment-title">
      <p>
        <Link href="/experiments">← Experiments</Link>
      </p>
      <h2 id="experiment-title">
        {experiment} {spec && <Status value={STATUS_TONE[spec.status]}>{spec.status}</Status>}
      </h2>
      <ErrorNote error={resource.error ?? results.error} />
      {spec?.name && <p>{spec.name}</p>}
      {spec?.description && <p className="muted">{spec.description}</p>}
      {spec && (
        <ExperimentControls
          experiment={experiment}
          spec={spec}
          suggested={r?.verdict.decision === 'ship' ? r.verdict.arm : undefined}
          onDone={reload}
        />
      )}
      {!r ? (
        <Loading what="results" />
      ) : (
        <>
          <p className="muted">
            {r.run?.startedAt
              ? `Started ${ago(r.run.startedAt)} by ${r.run.startedBy ?? 'someone'}`
              : 'Not started yet'}
            {r.run?.stoppedAt && `; stopped ${ago(r.run.stoppedAt)} by ${r.run.stoppedBy ?? 'someone'}`}
            {r.run?.concludedAt &&
              `; concluded ${ago(r.run.concludedAt)} by ${r.run.concludedBy ?? 'someone'}`}
            {` · day ${r.daysRunning.toFixed(1)} of ${r.durationDays} `}
            <button type="button" onClick={results.reload} disabled={results.loading}>
              Refresh results
            </button>
          </p>
          <Verdict verdict={r.verdict} />
          <Srm srm={r.srm} arms={r.arms} />
          <SampleSize sample={r.sampleSize} />
          {r.source && 'error' in r.source && (
            <p role="alert" className="error">
              The metric source could not be read: {r.source.error}. Results are as of its last read.
            </p>
          )}
          {r.metrics.map((m) => (
            <MetricResults key={m.name} metric={m} />
          ))}
        </>
      )}
    </article>
  );
}

function Verdict({ verdict }: { verdict: Results['verdict'] }) {
  return (
    <section className={`verdict tone-${DECISION_TONE[verdict.decision]}`} aria-labelledby="verdict-title">
      <h3 id="verdict-title">
        Verdict: {DECISION[verdict.decision]}
        {verdict.arm ? ` ${verdict.arm}` : ''}
      </h3>
      <p>{verdict.reason}</p>
    </section>
  );
}

function Srm({ srm, arms }: { srm: Results['srm']; arms: Results['arms'] }) {
  const observed = (
    <table>
      <caption>Users per arm: observed against the split</caption>
      <thead>
        <tr>
          <th scope="col">Arm</th>
          <th scope="col">Share</th>
          <th scope="col">Users</th>
          <th scope="col">Expected</th>
        </tr>
      </thead>
      <tbody>
        {arms.map((a, i) => (
          <tr key={a.arm}>
            <th scope="row">{a.arm}</th>
            <td>{a.share} %</td>
            <td>{a.users}</td>
            <td>{srm.expectedCounts[i] !== undefined ? Math.round(srm.expectedCounts[i]) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <section aria-labelledby="srm-title">
      <h3 id="srm-title">Sample ratio</h3>
      {srm.mismatch ? (
        <p role="alert" className="srm-warning">
          Sample ratio mismatch: the arms' users do not match the split (χ² {srm.chiSquare?.toFixed(2)}, p ={' '}
          {srm.pValue?.toExponential(2)}). Assignment or counting is broken somewhere, so no result here can
          be trusted until it is found.
        </p>
      ) : (
        <p className="muted">
          {srm.checked
            ? `The arms match the split (p = ${srm.pValue?.toFixed(3)}).`
            : `Sample ratio not checked: ${srm.reason ?? 'no users yet'}.`}
        </p>
      )}
      {observed}
    </section>
  );
}

function SampleSize({ sample }: { sample: Results['sampleSize'] }) {
  const needed = Math.max(sample.neededPerArm ?? 0, sample.minimumPerArm);
  return (
    <section aria-labelledby="sample-title">
      <h3 id="sample-title">Sample size</h3>
      <label className="sample">
        Smallest arm: {sample.smallestArm} of {needed} users needed per arm
        <progress max={needed} value={Math.min(sample.smallestArm, needed)} />
      </label>
      <p className="muted">
        {sample.users} users in all; at least {sample.minimumPerArm} per arm by the plan
        {sample.neededPerArm !== null
          ? `, ${sample.neededPerArm} per arm to detect a ${(sample.minimumDetectableEffect * 100).toFixed(0)} % effect`
          : ''}
        {sample.reason ? ` (${sample.reason})` : ''}.
      </p>
    </section>
  );
}
