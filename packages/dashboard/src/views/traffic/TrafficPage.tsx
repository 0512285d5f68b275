/**
 * Routes and their versions: weights as the router applies them, and per-version request
 * rate, error rate and p95 latency over what the router keeps (10 minutes). Refreshed when a
 * route, a service or a run changes, and by the Refresh button: no polling.
 */
import { lazy, Suspense, useMemo } from 'react';
import { ok, type Schemas } from '../../api/client';
import { useLive } from '../../live';
import { useLoad } from '../../load';
import { useSession } from '../../session';
import { ErrorNote, Loading } from '../../ui/Status';

const Chart = lazy(() => import('./Chart'));

type Route = NonNullable<Schemas['TrafficSeries']['routes']>[number];

function RouteCharts({ route }: { route: Route }) {
  const data = useMemo(() => {
    const times = (route.versions[0]?.points ?? []).map((p) => Date.parse(p.at) / 1000);
    const pick = (f: (p: Route['versions'][number]['points'][number]) => number | null) =>
      route.versions.map((v) => ({ label: v.name, values: v.points.map(f) }));
    return {
      times,
      rate: pick((p) => p.rate),
      errors: pick((p) => p.errorRate),
      p95: pick((p) => (p.p95 === null ? null : p.p95 * 1000)),
    };
  }, [route]);
  return (
    <div className="charts">
      <Suspense fallback={<Loading what="charts" />}>
        <Chart
          title={`${route.name}: requests per second`}
          unit="req/s"
          times={data.times}
          series={data.rate}
        />
        <Chart title={`${route.name}: error rate`} unit="%" times={data.times} series={data.errors} />
        <Chart title={`${route.name}: p95 latency`} unit="ms" times={data.times} series={data.p95} />
      </Suspense>
    </div>
  );
}

export function TrafficPage() {
  const { api } = useSession();
  const series = useLoad(
    () => ok(api.GET('/api/v1/traffic/series', { params: { query: { window: '10m', step: '15s' } } })),
    [api],
  );
  useLive(
    (c) => (c.type === 'resource' && (c.kind === 'Route' || c.kind === 'Service')) || c.type === 'run',
    () => series.reload(),
  );
  const routes = series.data?.routes;
  return (
    <section aria-labelledby="traffic-title">
      <h2 id="traffic-title">Traffic</h2>
      <div className="actions">
        <button type="button" onClick={series.reload}>
          Refresh
        </button>
        {series.data && <span className="muted">as of {new Date(series.data.at).toLocaleTimeString()}</span>}
      </div>
      <ErrorNote error={series.error} />
      {series.data === undefined ? (
        <Loading what="routes" />
      ) : routes === null || routes === undefined ? (
        <p className="muted">
          This server runs no router: standalone routers keep their own figures (their /metrics).
        </p>
      ) : !routes.length ? (
        <p className="muted">No routes: apply a Service or a Route to send traffic through the router.</p>
      ) : (
        routes.map((r) => {
          const last = (v: Route['versions'][number]) => v.points.filter((p) => p.rate > 0).at(-1);
          return (
            <div key={r.name} className="panel">
              <h3>
                {r.name}{' '}
                <span className="muted">
                  {r.host ?? '*'}
                  {r.pathPrefix}
                </span>
              </h3>
              <table>
                <caption>Versions of {r.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Weight</th>
                    <th scope="col">Health</th>
                    <th scope="col">Requests/s</th>
                    <th scope="col">Error rate</th>
                    <th scope="col">p95</th>
                  </tr>
                </thead>
                <tbody>
                  {r.versions.map((v) => {
                    const p = last(v);
                    return (
                      <tr key={v.name}>
                        <th scope="row">{v.name}</th>
                        <td>
                          <meter
                            min={0}
                            max={100}
                            value={v.effectiveWeight}
                            aria-label={`weight of ${v.name}`}
                          />{' '}
                          {v.effectiveWeight}%{v.effectiveWeight !== v.weight ? ` (set ${v.weight}%)` : ''}
                        </td>
                        <td>{v.healthy ? 'healthy' : <span className="status tone-bad">unhealthy</span>}</td>
                        <td>{p ? p.rate.toFixed(1) : '—'}</td>
                        <td>{p?.errorRate != null ? `${p.errorRate.toFixed(2)}%` : '—'}</td>
                        <td>{p?.p95 != null ? `${(p.p95 * 1000).toFixed(0)} ms` : '—'}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {r.mirror && (
                <p>
                  Shadow: {r.mirror.percent}% copied to {r.mirror.version}
                </p>
              )}
              <RouteCharts route={r} />
            </div>
          );
        })
      )}
    </section>
  );
}
