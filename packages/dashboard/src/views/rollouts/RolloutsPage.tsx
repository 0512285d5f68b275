/** Runs of the environment, newest first, live; and the stored plans, which a writer may start. */
import { useState } from 'react';
import { ok, type Schemas } from '../../api/client';
import { useLive } from '../../live';
import { useLoad } from '../../load';
import { Link, navigate } from '../../router';
import { useSession } from '../../session';
import { Confirm } from '../../ui/Dialog';
import { ago, ErrorNote, Loading, Status } from '../../ui/Status';

export function RolloutsPage() {
  const { api, environment, can } = useSession();
  const query = { params: { query: { environment } } };
  const runs = useLoad(
    () => ok(api.GET('/api/v1/rollout-runs', { params: { query: { environment, limit: 50 } } })),
    [api, environment],
  );
  const plans = useLoad(() => ok(api.GET('/api/v1/rollouts', query)), [api, environment]);
  const [starting, setStarting] = useState<string | null>(null);
  const [timeScale, setTimeScale] = useState('1');
  useLive(
    (c) =>
      (c.type === 'run' && c.run.environment === environment) ||
      (c.type === 'resource' && c.kind === 'Rollout' && c.environment === environment),
    (c) => (c.type === 'run' ? runs.reload() : plans.reload()),
  );
  return (
    <section aria-labelledby="rollouts-title">
      <h2 id="rollouts-title">Rollouts in {environment}</h2>
      <ErrorNote error={runs.error} />
      {runs.data === undefined ? (
        <Loading what="runs" />
      ) : runs.data.items.length === 0 ? (
        <p className="muted">No runs yet.</p>
      ) : (
        <table>
          <caption>Runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Rollout</th>
              <th scope="col">Status</th>
              <th scope="col">Stages</th>
              <th scope="col">Waiting for</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.items.map((r: Schemas['RolloutRun']) => (
              <tr key={r.id}>
                <th scope="row">
                  <Link href={`/rollouts/${encodeURIComponent(r.id)}`}>{r.rollout}</Link>
                </th>
                <td>
                  <Status value={r.status} />
                </td>
                <td>
                  {r.stages.filter((s) => s.status === 'succeeded').length}/{r.stages.length}
                </td>
                <td>{r.waitingFor.join('; ') || '—'}</td>
                <td>
                  {r.startedBy}, {ago(r.startedAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Plans</h3>
      <ErrorNote error={plans.error} />
      {plans.data === undefined ? (
        <Loading what="plans" />
      ) : plans.data.items.length === 0 ? (
        <p className="muted">
          No plans in {environment}. Apply one with <code>sluice apply -f plan.json --env {environment}</code>
          .
        </p>
      ) : (
        <ul className="plain">
          {plans.data.items.map((p: Schemas['Resource']) => (
            <li key={p.metadata.name}>
              <strong>{p.metadata.name}</strong> <span className="muted">v{p.metadata.version}</span>{' '}
              {can('write') && (
                <button type="button" onClick={() => setStarting(p.metadata.name)}>
                  Start {p.metadata.name}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {starting && (
        <Confirm
          title={`Start ${starting} in ${environment}?`}
          confirmLabel="Start"
          onConfirm={async () => {
            const scale = Number(timeScale);
            const run = await ok(
              api.POST('/api/v1/rollouts/{name}/start', {
                params: { path: { name: starting }, query: { environment } },
                body: scale > 1 ? { timeScale: scale } : {},
              }),
            );
            navigate(`/rollouts/${encodeURIComponent(run.id)}`);
          }}
          onClose={() => setStarting(null)}
        >
          <label>
            Time scale (1 is real time; N lives the plan N times faster, for rehearsals)
            <input
              type="number"
              min={1}
              max={100000}
              value={timeScale}
              onChange={(e) => setTimeScale(e.target.value)}
            />
          </label>
        </Confirm>
      )}
    </section>
  );
}
