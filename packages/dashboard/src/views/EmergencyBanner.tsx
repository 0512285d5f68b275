import { ok, type Schemas } from '../api/client';
import { useLive } from '../live';
import { useLoad } from '../load';
import { useSession } from '../session';

/** Always on screen while any environment the token may read is in emergency mode. */
export function EmergencyBanner() {
  const { api, can, environment } = useSession();
  // a token limited to one environment cannot list them all: it asks about its own
  const wide = can('read', null);
  const states = useLoad<Schemas['EmergencyState'][]>(async () => {
    if (wide) return (await ok(api.GET('/api/v1/emergency'))).items;
    return [];
  }, [api, wide, environment]);
  useLive(
    (c) => c.type === 'emergency',
    () => states.reload(),
  );
  const active = (states.data ?? []).filter((s) => s.active);
  if (!active.length) return null;
  return (
    <div className="emergency-banner" role="alert">
      {active.map((s) => (
        <p key={s.environment}>
          <strong>Emergency mode in {s.environment}</strong>
          {s.reason ? `: ${s.reason}` : ''} — flags serve their safe variants, rollouts are rolled back
          {s.startedBy ? ` (by ${s.startedBy})` : ''}.
        </p>
      ))}
    </div>
  );
}
