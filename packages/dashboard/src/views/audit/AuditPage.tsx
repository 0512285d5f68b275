/** The audit log with filters (actor, kind, name, environment, time) and paging. */
import { useState } from 'react';
import { ok } from '../../api/client';
import { useLoad } from '../../load';
import { useSession } from '../../session';
import { ErrorNote, Loading } from '../../ui/Status';

interface Filters {
  actor: string;
  kind: string;
  name: string;
  environment: string;
  since: string;
  until: string;
}

const EMPTY: Filters = { actor: '', kind: '', name: '', environment: '', since: '', until: '' };

/** `datetime-local` text → an ISO instant, or undefined when empty. */
function instant(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}

export function AuditPage() {
  const { api, can, environment } = useSession();
  // a token limited to one environment reads that environment's log
  const fixedEnv = can('read', null) ? null : environment;
  const [draft, setDraft] = useState<Filters>({ ...EMPTY, environment: fixedEnv ?? '' });
  const [filters, setFilters] = useState<Filters>(draft);
  const [cursor, setCursor] = useState<number | undefined>();
  const page = useLoad(() => {
    const f = filters;
    return ok(
      api.GET('/api/v1/audit', {
        params: {
          query: {
            limit: 50,
            ...(f.actor ? { actor: f.actor } : {}),
            ...(f.kind ? { kind: f.kind } : {}),
            ...(f.name ? { name: f.name } : {}),
            ...(f.environment ? { environment: f.environment } : {}),
            ...(f.since ? { since: instant(f.since) } : {}),
            ...(f.until ? { until: instant(f.until) } : {}),
            ...(cursor ? { cursor } : {}),
          },
        },
      }),
    );
  }, [api, filters, cursor]);
  const field = (key: keyof Filters, label: string, type = 'text') => (
    <label>
      {label}
      <input
        type={type}
        value={draft[key]}
        disabled={key === 'environment' && fixedEnv !== null}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
      />
    </label>
  );
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setCursor(undefined);
          setFilters(draft);
        }}
      >
        {field('actor', 'Actor')}
        {field('kind', 'Kind')}
        {field('name', 'Name')}
        {field('environment', 'Environment')}
        {field('since', 'From', 'datetime-local')}
        {field('until', 'Until', 'datetime-local')}
        <button type="submit" className="primary">
          Filter
        </button>
      </form>
      <ErrorNote error={page.error} />
      {page.data === undefined ? (
        <Loading what="the audit log" />
      ) : (
        <>
          <table>
            <caption>Newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Kind</th>
                <th scope="col">Name</th>
                <th scope="col">Environment</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((e) => (
                <tr key={e.id}>
                  <td>
                    <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time>
                  </td>
                  <td>{e.actor}</td>
                  <td>{e.action}</td>
                  <td>{e.kind}</td>
                  <td>{e.name}</td>
                  <td>{e.environment ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            {cursor !== undefined && (
              <button type="button" onClick={() => setCursor(undefined)}>
                Newest
              </button>
            )}
            {page.data.nextCursor !== null && (
              <button type="button" onClick={() => setCursor(page.data?.nextCursor ?? undefined)}>
                Older
              </button>
            )}
          </div>
        </>
      )}
    </section>
  );
}
