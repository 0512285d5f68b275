/** One run, live: the plan's graph, the controls, the selected stage and the timeline. */
import { lazy, Suspense, useState } from 'react';
import { ok } from '../../api/client';
import { useLive } from '../../live';
import { useLoad } from '../../load';
import { Link } from '../../router';
import { useSession } from '../../session';
import { ago, ErrorNote, Loading, Status } from '../../ui/Status';
import { RunControls } from './RunControls';
import { StagePanel } from './StagePanel';
import { Timeline } from './Timeline';
import type { HistoryEntry, Run } from './types';

const RunDag = lazy(() => import('./RunDag'));

export function RunView({ id }: { id: string }) {
  const { api } = useSession();
  const run = useLoad(
    () => ok(api.GET('/api/v1/rollout-runs/{id}', { params: { path: { id } } })),
    [api, id],
  );
  const history = useLoad(async () => {
    const page = await ok(api.GET('/api/v1/rollout-runs/{id}/history', { params: { path: { id } } }));
    return (page as { items: HistoryEntry[] }).items;
  }, [api, id]);
  const [live, setLive] = useState<Run | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [notes, setNotes] = useState<string[]>([]);
  useLive(
    (c) => c.type === 'run' && c.run.id === id,
    (c) => {
      if (c.type === 'run') setLive(c.run);
      history.reload();
    },
  );
  const current = live && run.data && live.updatedAt >= run.data.updatedAt ? live : run.data;
  if (!current) return run.error ? <ErrorNote error={run.error} /> : <Loading what="the run" />;
  const waiting = current.stages.find((s) => s.waitingFor);
  const stage = current.stages.find((s) => s.name === (selected ?? waiting?.name)) ?? current.stages[0];
  return (
    <article className="run">
      <p>
        <Link href="/rollouts">← Rollouts</Link>
      </p>
      <h2>
        {current.rollout} <Status value={current.status} />
      </h2>
      <p className="muted">
        Run <code>{current.id}</code> in {current.environment}, started by{' '}
        <strong>{current.startedBy}</strong> {ago(current.startedAt)}
        {current.timeScale > 1 ? ` · time-scaled ×${current.timeScale}` : ''}
        {current.reason ? ` · ${current.reason}` : ''}
      </p>
      {current.waitingFor.length > 0 && (
        <p className="waiting" aria-live="polite">
          Waiting for: {current.waitingFor.join('; ')}
        </p>
      )}
      <RunControls
        run={current}
        onDone={(n) => {
          setNotes(n);
          run.reload();
          history.reload();
        }}
      />
      {notes.length > 0 && (
        <ul className="notes" aria-live="polite">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <Suspense fallback={<Loading what="the graph" />}>
        <RunDag stages={current.stages} selected={stage?.name ?? null} onSelect={setSelected} />
      </Suspense>
      <label className="inline">
        Stage{' '}
        <select value={stage?.name ?? ''} onChange={(e) => setSelected(e.target.value)}>
          {current.stages.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      {stage && <StagePanel stage={stage} history={history.data ?? []} startedBy={current.startedBy} />}
      <Timeline run={current} />
    </article>
  );
}
