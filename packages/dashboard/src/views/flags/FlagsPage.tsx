/** The environment's flags: search by name or description, filter by tag, with evaluation counts and stale and killed markers. */
import { useMemo, useState } from 'react';
import { ok } from '../../api/client';
import { useLive } from '../../live';
import { useLoad } from '../../load';
import { Link } from '../../router';
import { useSession } from '../../session';
import { ErrorNote, Loading } from '../../ui/Status';
import type { FlagSpec } from './types';

export function FlagsPage() {
  const { api, environment } = useSession();
  const q = { params: { query: { environment } } };
  const flags = useLoad(
    async () =>
      (await ok(api.GET('/api/v1/flags', { params: { query: { environment, limit: 1000 } } }))).items,
    [api, environment],
  );
  const usage = useLoad(
    async () =>
      (await ok(api.GET('/api/v1/flag-evaluations', { params: { query: { environment, days: 7 } } }))).items,
    [api, environment],
  );
  const stale = useLoad(async () => (await ok(api.GET('/api/v1/flags-stale', q))).items, [api, environment]);
  const kills = useLoad(async () => (await ok(api.GET('/api/v1/kills', q))).items, [api, environment]);
  const [search, setSearch] = useState('');
  const [tag, setTag] = useState('');
  useLive(
    (c) => (c.type === 'resource' && c.kind === 'Flag') || c.type === 'flags',
    () => {
      flags.reload();
      kills.reload();
    },
  );
  const tags = useMemo(
    () => [...new Set((flags.data ?? []).flatMap((f) => (f.spec as FlagSpec).tags ?? []))].sort(),
    [flags.data],
  );
  const shown = (flags.data ?? []).filter((f) => {
    const spec = f.spec as FlagSpec;
    const text = `${f.metadata.name} ${spec.description ?? ''}`.toLowerCase();
    return text.includes(search.toLowerCase()) && (!tag || (spec.tags ?? []).includes(tag));
  });
  return (
    <section aria-labelledby="flags-title">
      <h2 id="flags-title">Flags in {environment}</h2>
      <div className="row">
        <label>
          Search <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label>
          Tag
          <select value={tag} onChange={(e) => setTag(e.target.value)}>
            <option value="">any</option>
            {tags.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={flags.error} />
      {flags.data === undefined ? (
        <Loading what="flags" />
      ) : (
        <table>
          <caption>
            {shown.length} of {flags.data.length} flags
          </caption>
          <thead>
            <tr>
              <th scope="col">Flag</th>
              <th scope="col">State</th>
              <th scope="col">Default</th>
              <th scope="col">Tags</th>
              <th scope="col">Evaluations (7 days)</th>
              <th scope="col">Notes</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((f) => {
              const spec = f.spec as FlagSpec;
              const name = f.metadata.name;
              const counts = usage.data?.find((u) => u.flag === name)?.variants ?? {};
              const total = Object.values(counts).reduce((a, b) => a + b, 0);
              const staleness = stale.data?.find((s) => s.flag === name);
              const killed = kills.data?.some((k) => k.flag === name);
              return (
                <tr key={name}>
                  <th scope="row">
                    <Link href={`/flags/${encodeURIComponent(name)}`}>{name}</Link>
                  </th>
                  <td>{spec.state === 'ENABLED' ? 'enabled' : 'disabled'}</td>
                  <td>{spec.defaultVariant ?? '—'}</td>
                  <td>{(spec.tags ?? []).join(', ')}</td>
                  <td>{total}</td>
                  <td>
                    {killed && <span className="status tone-bad">killed</span>}{' '}
                    {staleness && (
                      <span className="status tone-wait" title={staleness.reason}>
                        stale:{' '}
                        {staleness.reason === 'not-evaluated'
                          ? 'not evaluated'
                          : `only serves ${staleness.variant}`}
                      </span>
                    )}
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
