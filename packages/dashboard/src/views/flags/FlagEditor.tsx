/**
 * One flag in one environment: the form and its JSON side by side, a server-side dry run and a
 * diff before saving, the kill switch, evaluation counts, and the history with restore.
 */
import { useEffect, useState } from 'react';
import { explain, ok } from '../../api/client';
import { useLive } from '../../live';
import { useLoad } from '../../load';
import { Link } from '../../router';
import { useSession } from '../../session';
import { Confirm } from '../../ui/Dialog';
import { ErrorNote, Loading } from '../../ui/Status';
import { DiffView } from './DiffView';
import { FlagForm } from './FlagForm';
import { FlagHistory } from './FlagHistory';
import type { FlagSpec } from './types';

export function FlagEditor({ name }: { name: string }) {
  const { api, environment, can } = useSession();
  const q = { environment };
  const flag = useLoad(
    () => ok(api.GET('/api/v1/flags/{name}', { params: { path: { name }, query: q } })),
    [api, name, environment],
  );
  const segments = useLoad(
    async () =>
      (await ok(api.GET('/api/v1/segments', { params: { query: q } }))).items.map((s) => s.metadata.name),
    [api, environment],
  );
  const history = useLoad(
    async () =>
      (
        await ok(
          api.GET('/api/v1/audit', { params: { query: { kind: 'Flag', name, environment, limit: 50 } } }),
        )
      ).items,
    [api, name, environment],
  );
  const kills = useLoad(
    async () => (await ok(api.GET('/api/v1/kills', { params: { query: q } }))).items,
    [api, environment],
  );
  const usage = useLoad(
    async () =>
      (
        await ok(api.GET('/api/v1/flag-evaluations', { params: { query: { environment, days: 7 } } }))
      ).items.find((u) => u.flag === name),
    [api, name, environment],
  );
  const [draft, setDraft] = useState<FlagSpec | null>(null);
  const [json, setJson] = useState('');
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [review, setReview] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [killing, setKilling] = useState<'kill' | 'unkill' | null>(null);
  const stored = flag.data?.spec as FlagSpec | undefined;
  useEffect(() => {
    if (stored) {
      setDraft(stored);
      setJson(JSON.stringify(stored, null, 2));
    }
  }, [stored]);
  useLive(
    (c) =>
      (c.type === 'resource' && c.kind === 'Flag' && c.name === name && c.environment === environment) ||
      (c.type === 'flags' && c.environment === environment),
    () => {
      flag.reload();
      history.reload();
      kills.reload();
    },
  );
  if (!flag.data || !draft)
    return flag.error ? <ErrorNote error={flag.error} /> : <Loading what={`flag ${name}`} />;
  const writable = can('write');
  const killed = kills.data?.find((k) => k.flag === name);
  const edit = (spec: FlagSpec) => {
    setDraft(spec);
    setJson(JSON.stringify(spec, null, 2));
    setJsonError(null);
  };
  const put = async (spec: FlagSpec) => {
    await ok(
      api.PUT('/api/v1/flags/{name}', {
        params: { path: { name }, query: q },
        // the version read: the server refuses the save if someone changed the flag since
        body: { metadata: { version: flag.data?.metadata.version }, spec },
      }),
    );
    flag.reload();
    history.reload();
  };
  const startReview = async () => {
    setSaveError(null);
    try {
      await ok(
        api.POST('/api/v1/apply', {
          body: { dryRun: true, documents: [{ kind: 'Flag', metadata: { name, environment }, spec: draft }] },
        }),
      );
      setReview(json);
    } catch (e) {
      setSaveError(explain(e));
    }
  };
  return (
    <article className="flag">
      <p>
        <Link href="/flags">← Flags</Link>
      </p>
      <h2>
        {name}{' '}
        <span className="muted">
          in {environment}, version {flag.data.metadata.version}
        </span>
      </h2>
      {killed && (
        <p className="error" role="status">
          Killed by {killed.killedBy}: {killed.reason}. It serves its safe variant
          {stored?.safeVariant ? ` (${stored.safeVariant})` : ''}.
        </p>
      )}
      <p>
        Evaluations in the last 7 days:{' '}
        {usage.data
          ? Object.entries(usage.data.variants)
              .map(([v, n]) => `${v} ${n}`)
              .join(', ') || 'none'
          : 'none'}
      </p>
      {writable && (
        <div className="actions">
          {killed ? (
            <button type="button" onClick={() => setKilling('unkill')}>
              Revive (undo kill)
            </button>
          ) : (
            <button type="button" className="danger" onClick={() => setKilling('kill')}>
              Kill switch
            </button>
          )}
        </div>
      )}
      <div className="split">
        <FlagForm spec={draft} segments={segments.data ?? []} onChange={edit} readOnly={!writable} />
        <label className="json">
          JSON
          <textarea
            value={json}
            readOnly={!writable}
            rows={24}
            spellCheck={false}
            onChange={(e) => {
              setJson(e.target.value);
              try {
                setDraft(JSON.parse(e.target.value));
                setJsonError(null);
              } catch (err) {
                setJsonError((err as Error).message);
              }
            }}
          />
          {jsonError && <span className="error">{jsonError}</span>}
        </label>
      </div>
      <ErrorNote error={saveError} />
      {writable && (
        <div className="actions">
          <button
            type="button"
            className="primary"
            disabled={Boolean(jsonError)}
            onClick={() => void startReview()}
          >
            Review and save
          </button>
          <button type="button" onClick={() => stored && edit(stored)}>
            Discard changes
          </button>
        </div>
      )}
      {review !== null && (
        <Confirm
          title={`Save ${name}?`}
          confirmLabel="Save"
          onConfirm={() => put(draft)}
          onClose={() => setReview(null)}
        >
          <DiffView before={stored} after={draft} />
        </Confirm>
      )}
      {killing && (
        <Confirm
          title={killing === 'kill' ? `Kill ${name}?` : `Revive ${name}?`}
          confirmLabel={killing === 'kill' ? 'Kill' : 'Revive'}
          danger={killing === 'kill'}
          reason="required"
          onConfirm={async (reason) => {
            const params = { params: { path: { name }, query: q } };
            if (killing === 'kill')
              await ok(api.POST('/api/v1/flags/{name}/kill', { ...params, body: { reason } }));
            else await ok(api.POST('/api/v1/flags/{name}/unkill', { ...params, body: { reason } }));
            kills.reload();
            history.reload();
          }}
          onClose={() => setKilling(null)}
        >
          <p>
            {killing === 'kill'
              ? 'Every evaluation serves the safe variant at once.'
              : 'Targeting applies again.'}
          </p>
        </Confirm>
      )}
      <h3>History</h3>
      <ErrorNote error={history.error} />
      <FlagHistory
        entries={history.data ?? []}
        current={stored as FlagSpec}
        canWrite={writable}
        onRestore={(spec) => put(spec)}
      />
    </article>
  );
}
