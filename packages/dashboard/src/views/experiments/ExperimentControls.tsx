/**
 * Start, stop and conclude, for a token that may write in the environment: each confirms and
 * says what happens to users; conclude asks which arm everyone gets.
 */
import { useState } from 'react';
import { ok } from '../../api/client';
import { useSession } from '../../session';
import { Confirm } from '../../ui/Dialog';
import type { ExperimentSpec } from './types';

type Verb = 'start' | 'stop' | 'conclude';

const WORDING: Record<Verb, { title: string; text: string; danger?: boolean }> = {
  start: { title: 'Start', text: 'Users who enter get their arm and are counted from now on.' },
  stop: {
    title: 'Stop',
    text: 'Everyone gets control again; the results stay as they are at the stop.',
    danger: true,
  },
  conclude: { title: 'Conclude', text: 'Everyone gets the arm chosen below, for good.' },
};

const OFFERED: Record<ExperimentSpec['status'], Verb[]> = {
  draft: ['start'],
  active: ['stop', 'conclude'],
  stopped: ['conclude'],
  concluded: [],
};

export function ExperimentControls(props: {
  experiment: string;
  spec: ExperimentSpec;
  suggested?: string | undefined;
  onDone: () => void;
}) {
  const { api, can, environment } = useSession();
  const [pending, setPending] = useState<Verb | null>(null);
  const arms = Object.keys(props.spec.traffic_split);
  const [arm, setArm] = useState(props.suggested ?? 'control');
  if (!can('write')) return null;
  const act = async (verb: Verb) => {
    const params = { path: { key: props.experiment }, query: { environment } };
    const body = verb === 'conclude' ? { arm } : {};
    if (verb === 'start') await ok(api.POST('/api/v1/experiments/{key}/start', { params, body }));
    else if (verb === 'stop') await ok(api.POST('/api/v1/experiments/{key}/stop', { params, body }));
    else await ok(api.POST('/api/v1/experiments/{key}/conclude', { params, body }));
    props.onDone();
  };
  const offered = OFFERED[props.spec.status];
  if (offered.length === 0) return null;
  return (
    <div className="row controls">
      {offered.map((verb) => (
        <button
          key={verb}
          type="button"
          className={WORDING[verb].danger ? 'danger' : undefined}
          onClick={() => setPending(verb)}
        >
          {WORDING[verb].title} {props.experiment}
        </button>
      ))}
      {pending && (
        <Confirm
          title={`${WORDING[pending].title} ${props.experiment} in ${environment}?`}
          confirmLabel={WORDING[pending].title}
          danger={WORDING[pending].danger}
          onConfirm={() => act(pending)}
          onClose={() => setPending(null)}
        >
          <p>{WORDING[pending].text}</p>
          {pending === 'conclude' && (
            <label>
              Arm everyone gets{' '}
              <select value={arm} onChange={(e) => setArm(e.target.value)}>
                {arms.map((a) => (
                  <option key={a}>{a}</option>
                ))}
              </select>
            </label>
          )}
        </Confirm>
      )}
    </div>
  );
}
