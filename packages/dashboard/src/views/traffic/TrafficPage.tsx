/** Routes and their versions' weights, as the routers apply them. */
import type { RouterStatus } from '@sluice/router';
import { ok } from '../../api/client';
import { useLive } from '../../live';
import { useLoad } from '../../load';
import { useSession } from '../../session';
import { ErrorNote, Loading } from '../../ui/Status';

export function TrafficPage() {
  const { api, environment } = useSession();
  const routers = useLoad(async () => {
    // the route declares no response schema; its body is the router's own status type
    const body = (await ok(api.GET('/api/v1/routers'))) as { embedded: RouterStatus | null };
    return body.embedded;
  }, [api]);
  useLive(
    (c) => c.type === 'resource' && (c.kind === 'Route' || c.kind === 'Service'),
    () => routers.reload(),
  );
  return (
    <section aria-labelledby="traffic-title">
      <h2 id="traffic-title">Traffic in {environment}</h2>
      <ErrorNote error={routers.error} />
      {routers.data === undefined ? (
        <Loading what="routes" />
      ) : !routers.data?.routes.length ? (
        <p className="muted">No routes: apply a Service or a Route to send traffic through the router.</p>
      ) : (
        routers.data.routes.map((r) => (
          <div key={r.name} className="panel">
            <h3>
              {r.name}{' '}
              <span className="muted">
                {r.host ?? '*'}
                {r.pathPrefix}
              </span>
            </h3>
            <table>
              <caption>Weights of {r.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Weight</th>
                  <th scope="col">Effective</th>
                  <th scope="col">Health</th>
                </tr>
              </thead>
              <tbody>
                {r.versions.map((v) => (
                  <tr key={v.name}>
                    <th scope="row">{v.name}</th>
                    <td>
                      <meter min={0} max={100} value={v.weight} aria-label={`weight of ${v.name}`} />{' '}
                      {v.weight}%
                    </td>
                    <td>{v.effectiveWeight}%</td>
                    <td>{v.healthy ? 'healthy' : <span className="status tone-bad">unhealthy</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {r.mirror && (
              <p>
                Shadow: {r.mirror.percent}% copied to {r.mirror.version}
              </p>
            )}
          </div>
        ))
      )}
    </section>
  );
}
