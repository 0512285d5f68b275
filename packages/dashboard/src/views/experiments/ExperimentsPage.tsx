/** The environment's experiments: status, arms and their split, the primary metric, the planned length. */
import { ok } from '../../api/client';
import { useLive } from '../../live';
import { useLoad } from '../../load';
import { Link } from '../../router';
import { useSession } from '../../session';
import { ErrorNote, Loading, Status } from '../../ui/Status';
import { type ExperimentSpec, STATUS_TONE } from './types';

export function ExperimentsPage() {
  const { api, environment } = useSession();
  const experiments = useLoad(
    async () =>
      (await ok(api.GET('/api/v1/experiments', { params: { query: { environment, limit: 1000 } } }))).items,
    [api, environment],
  );
  useLive(
    (c) => c.type === 'resource' && c.kind === 'Experiment',
    () => experiments.reload(),
  );
  return (
    <section aria-labelledby="experiments-title">
      <h2 id="experiments-title">Experiments in {environment}</h2>
      <ErrorNote error={experiments.error} />
      {experiments.data === undefined ? (
        <Loading what="experiments" />
      ) : experiments.data.length === 0 ? (
        <p className="muted">
          No experiments in {environment}. Apply one with <code>sluice apply -f experiments.json</code>.
        </p>
      ) : (
        <table>
          <caption>{experiments.data.length} experiments</caption>
          <thead>
            <tr>
              <th scope="col">Experiment</th>
              <th scope="col">Status</th>
              <th scope="col">Arms (split)</th>
              <th scope="col">Primary metric</th>
              <th scope="col">Planned</th>
            </tr>
          </thead>
          <tbody>
            {experiments.data.map((e) => {
              const spec = e.spec as ExperimentSpec;
              const key = e.metadata.name;
              return (
                <tr key={key}>
                  <th scope="row">
                    <Link href={`/experiments/${encodeURIComponent(key)}`}>{key}</Link>
                    {spec.name && <div className="muted">{spec.name}</div>}
                  </th>
                  <td>
                    <Status value={STATUS_TONE[spec.status]}>{spec.status}</Status>
                    {spec.winner && <> → {spec.winner}</>}
                  </td>
                  <td>
                    {Object.entries(spec.traffic_split)
                      .map(([arm, share]) => `${arm} ${share} %`)
                      .join(', ')}
                  </td>
                  <td>{spec.metrics.primary}</td>
                  <td>
                    {spec.duration_days} days, ≥ {spec.min_sample_size} users per arm
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
