/** A flag's changes from the audit log, newest first; a writer may restore an earlier version. */
import { useState } from 'react';
import type { Schemas } from '../../api/client';
import { Confirm } from '../../ui/Dialog';
import { DiffView } from './DiffView';
import type { FlagSpec } from './types';

type Entry = Schemas['AuditEntry'];

function specOf(state: unknown): FlagSpec | null {
  const s = state as { spec?: FlagSpec } | null;
  return s?.spec ?? null;
}

export function FlagHistory(props: {
  entries: Entry[];
  current: FlagSpec;
  canWrite: boolean;
  onRestore: (spec: FlagSpec, from: Entry) => Promise<void>;
}) {
  const [restoring, setRestoring] = useState<Entry | null>(null);
  if (!props.entries.length) return <p className="muted">No changes recorded.</p>;
  return (
    <>
      <ol className="history" aria-label="Changes to this flag">
        {props.entries.map((e) => {
          const after = specOf(e.after);
          return (
            <li key={e.id}>
              <details>
                <summary>
                  <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time> — <strong>{e.action}</strong>{' '}
                  by {e.actor}
                  {after
                    ? ` (version ${(e.after as { metadata?: { version?: number } }).metadata?.version ?? '?'})`
                    : ''}
                </summary>
                <DiffView before={specOf(e.before)} after={after} />
              </details>
              {props.canWrite && after && (
                <button type="button" onClick={() => setRestoring(e)}>
                  Restore this version
                </button>
              )}
            </li>
          );
        })}
      </ol>
      {restoring && (
        <Confirm
          title="Restore this version?"
          confirmLabel="Restore"
          onConfirm={() => props.onRestore(specOf(restoring.after) as FlagSpec, restoring)}
          onClose={() => setRestoring(null)}
        >
          <p>The flag becomes what it was after the change of {new Date(restoring.at).toLocaleString()}:</p>
          <DiffView before={props.current} after={specOf(restoring.after)} />
        </Confirm>
      )}
    </>
  );
}
