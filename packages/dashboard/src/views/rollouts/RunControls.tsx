/**
 * The controls a run offers this token: each confirms first, and asks for a reason where the
 * API takes one. A manual gate shows the roles it waits for and the caller's own; the person
 * who started the run is told another must approve (the server refuses them too).
 */
import { useState } from 'react';
import { ok } from '../../api/client';
import { useSession } from '../../session';
import { Confirm, type ConfirmProps } from '../../ui/Dialog';
import { approvalsAwaited, type Run, TERMINAL } from './types';

type Verb = 'approve' | 'reject' | 'pause' | 'resume' | 'promote' | 'abort' | 'retry';

interface Pending {
  verb: Verb;
  stage?: string;
}

const WORDING: Record<
  Verb,
  { title: string; reason?: ConfirmProps['reason']; danger?: boolean; text: string }
> = {
  approve: {
    title: 'Approve',
    reason: 'optional',
    text: 'The gate records your approval under your name and roles.',
  },
  reject: {
    title: 'Reject',
    reason: 'required',
    danger: true,
    text: 'The stage fails and the run rolls back.',
  },
  pause: { title: 'Pause', reason: 'optional', text: 'Timers and results wait until the run is resumed.' },
  resume: { title: 'Resume', text: 'The run goes on from where it was paused.' },
  promote: { title: 'Promote', text: 'The stage skips its remaining steps and goes to full weight.' },
  abort: {
    title: 'Abort',
    reason: 'optional',
    danger: true,
    text: 'The run stops and every stage rolls back.',
  },
  retry: { title: 'Retry', text: 'The failed stage runs again.' },
};

export function RunControls({ run, onDone }: { run: Run; onDone: (notes: string[]) => void }) {
  const { api, can, identity } = useSession();
  const [pending, setPending] = useState<Pending | null>(null);
  if (TERMINAL.has(run.status) || !can('write', run.environment)) return null;
  const gates = run.stages.map((s) => ({ stage: s, roles: approvalsAwaited(s) })).filter((g) => g.roles);
  const isStarter = identity.subject === run.startedBy;
  const failed = run.stages.filter((s) => s.status === 'failed');
  const running = run.stages.filter((s) => s.status === 'running');
  const act = async (p: Pending, reason: string) => {
    const id = { params: { path: { id: run.id } } };
    let result: { notes: string[] };
    switch (p.verb) {
      case 'approve':
        result = await ok(
          api.POST('/api/v1/rollout-runs/{id}/approve', {
            ...id,
            body: { stage: p.stage as string, ...(reason ? { comment: reason } : {}) },
          }),
        );
        break;
      case 'reject':
        result = await ok(
          api.POST('/api/v1/rollout-runs/{id}/reject', { ...id, body: { stage: p.stage as string, reason } }),
        );
        break;
      case 'pause':
        result = await ok(
          api.POST('/api/v1/rollout-runs/{id}/pause', { ...id, body: reason ? { reason } : {} }),
        );
        break;
      case 'resume':
        result = await ok(api.POST('/api/v1/rollout-runs/{id}/resume', { ...id, body: {} }));
        break;
      case 'promote':
        result = await ok(
          api.POST('/api/v1/rollout-runs/{id}/promote', { ...id, body: p.stage ? { stage: p.stage } : {} }),
        );
        break;
      case 'abort':
        result = await ok(
          api.POST('/api/v1/rollout-runs/{id}/abort', { ...id, body: reason ? { reason } : {} }),
        );
        break;
      case 'retry':
        result = await ok(
          api.POST('/api/v1/rollout-runs/{id}/retry', { ...id, body: { stage: p.stage as string } }),
        );
        break;
    }
    onDone(result.notes);
  };
  const wording = pending ? WORDING[pending.verb] : null;
  return (
    <section aria-label="Run controls" className="controls">
      {gates.map(({ stage, roles }) => (
        <div key={stage.name} className="gate">
          <p>
            <strong>{stage.name}</strong> waits for approval from <strong>{roles?.join(', ')}</strong>. You
            are <strong>{identity.subject}</strong>
            {identity.roles.length ? ` (${identity.roles.join(', ')})` : ' (no roles)'}.
          </p>
          {isStarter ? (
            <p className="note">You started this run: someone else must approve it.</p>
          ) : (
            <div className="actions">
              <button
                type="button"
                className="primary"
                onClick={() => setPending({ verb: 'approve', stage: stage.name })}
              >
                Approve {stage.name}
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => setPending({ verb: 'reject', stage: stage.name })}
              >
                Reject {stage.name}
              </button>
            </div>
          )}
        </div>
      ))}
      <div className="actions">
        {run.status === 'paused' ? (
          <button type="button" onClick={() => setPending({ verb: 'resume' })}>
            Resume
          </button>
        ) : (
          <button type="button" onClick={() => setPending({ verb: 'pause' })}>
            Pause
          </button>
        )}
        {running.map((s) => (
          <button key={s.name} type="button" onClick={() => setPending({ verb: 'promote', stage: s.name })}>
            Promote {s.name}
          </button>
        ))}
        {failed.map((s) => (
          <button key={s.name} type="button" onClick={() => setPending({ verb: 'retry', stage: s.name })}>
            Retry {s.name}
          </button>
        ))}
        <button type="button" className="danger" onClick={() => setPending({ verb: 'abort' })}>
          Abort
        </button>
      </div>
      {pending && wording && (
        <Confirm
          title={`${wording.title}${pending.stage ? ` ${pending.stage}` : ' run'}?`}
          confirmLabel={wording.title}
          danger={wording.danger}
          reason={wording.reason}
          reasonLabel={pending.verb === 'approve' ? 'Comment (optional)' : undefined}
          onConfirm={(reason) => act(pending, reason)}
          onClose={() => setPending(null)}
        >
          <p>{wording.text}</p>
        </Confirm>
      )}
    </section>
  );
}
