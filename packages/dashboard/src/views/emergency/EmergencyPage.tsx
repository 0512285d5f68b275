/**
 * Emergency stop per environment, guarded: the environment's name must be typed and a reason
 * given. Clearing needs an admin token. The banner above every view says when one is active.
 */
import { useState } from 'react';
import { ok, type Schemas } from '../../api/client';
import { useLive } from '../../live';
import { useLoad } from '../../load';
import { useSession } from '../../session';
import { Confirm } from '../../ui/Dialog';
import { ErrorNote } from '../../ui/Status';

export function EmergencyPage() {
  const { api, environments, can } = useSession();
  const states = useLoad<Schemas['EmergencyState'][]>(
    async () => (can('read', null) ? (await ok(api.GET('/api/v1/emergency'))).items : []),
    [api],
  );
  useLive(
    (c) => c.type === 'emergency',
    () => states.reload(),
  );
  const [pending, setPending] = useState<{ env: string; verb: 'stop' | 'clear' } | null>(null);
  return (
    <section aria-labelledby="emergency-title">
      <h2 id="emergency-title">Emergency</h2>
      <p>
        An emergency stop serves every flag's safe variant and rolls back the environment's running rollouts
        at once.
      </p>
      <ErrorNote error={states.error} />
      <table>
        <caption>Environments</caption>
        <thead>
          <tr>
            <th scope="col">Environment</th>
            <th scope="col">State</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {environments.map((env) => {
            const state = states.data?.find((s) => s.environment === env && s.active);
            return (
              <tr key={env}>
                <th scope="row">{env}</th>
                <td>
                  {state ? (
                    <span className="status tone-bad">
                      emergency{state.reason ? `: ${state.reason}` : ''}
                      {state.startedBy ? ` (by ${state.startedBy})` : ''}
                    </span>
                  ) : (
                    'normal'
                  )}
                </td>
                <td>
                  {!state && can('write', env) && (
                    <button
                      type="button"
                      className="danger"
                      onClick={() => setPending({ env, verb: 'stop' })}
                    >
                      Emergency stop {env}
                    </button>
                  )}
                  {state && can('admin', env) && (
                    <button type="button" onClick={() => setPending({ env, verb: 'clear' })}>
                      Clear emergency in {env}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {pending && (
        <Confirm
          title={
            pending.verb === 'stop'
              ? `Emergency stop ${pending.env}?`
              : `Leave emergency mode in ${pending.env}?`
          }
          confirmLabel={pending.verb === 'stop' ? 'Stop everything' : 'Clear'}
          danger={pending.verb === 'stop'}
          reason={pending.verb === 'stop' ? 'required' : undefined}
          typeToConfirm={pending.env}
          onConfirm={async (reason) => {
            const params = { params: { path: { name: pending.env } } };
            if (pending.verb === 'stop')
              await ok(
                api.POST('/api/v1/environments/{name}/emergency-stop', { ...params, body: { reason } }),
              );
            else await ok(api.POST('/api/v1/environments/{name}/emergency-clear', params));
            states.reload();
          }}
          onClose={() => setPending(null)}
        >
          <p>
            {pending.verb === 'stop'
              ? 'Flags serve their safe variants and running rollouts roll back. Only an admin can clear it.'
              : 'Flags serve their targeting again. Rolled-back rollouts stay rolled back.'}
          </p>
        </Confirm>
      )}
    </section>
  );
}
