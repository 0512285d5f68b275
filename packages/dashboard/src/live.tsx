/**
 * One watch stream per signed-in tab: views subscribe to the changes they show and reload
 * when one arrives. No view polls.
 */
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import type { Schemas } from './api/client';
import { watch } from './api/watch';
import { useSession } from './session';

type Events = Schemas['WatchEvents'];

/**
 * A change the server announced (its frames are typed by the OpenAPI document): a resource
 * written, a run moved, an emergency started or ended, an environment's flags serving anew.
 */
export type LiveChange =
  | ({ type: 'resource' } & NonNullable<Events['resource']>)
  | { type: 'run'; run: NonNullable<Events['run']> }
  | ({ type: 'emergency' } & NonNullable<Events['emergency']>)
  | ({ type: 'flags' } & NonNullable<Events['flags']>);

type Listener = (change: LiveChange) => void;

interface Live {
  state: 'connecting' | 'live' | 'reconnecting';
  detail: string | null;
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<Live | null>(null);

export function parseChange(event: string, data: string): LiveChange | null {
  try {
    const body = JSON.parse(data);
    if (event === 'resource') return { type: 'resource', ...body };
    if (event === 'run') return { type: 'run', run: body };
    if (event === 'emergency') return { type: 'emergency', ...body };
    if (event === 'flags') return { type: 'flags', ...body };
  } catch {
    // a malformed event is dropped: the next change brings the view up to date again
  }
  return null;
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const { token, fetchImpl } = useSession();
  const listeners = useRef(new Set<Listener>());
  const [state, setState] = useState<Live['state']>('connecting');
  const [detail, setDetail] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    void watch({
      url: '/api/v1/watch',
      token,
      signal: abort.signal,
      fetchImpl,
      onState(s, d) {
        setState(s);
        setDetail(d ?? null);
      },
      onEvent({ event, data }) {
        const change = parseChange(event, data);
        if (change) for (const l of listeners.current) l(change);
      },
    });
    return () => abort.abort();
  }, [token, fetchImpl]);
  const [live] = useState<Omit<Live, 'state' | 'detail'>>(() => ({
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  }));
  return <LiveContext.Provider value={{ ...live, state, detail }}>{children}</LiveContext.Provider>;
}

export function useLiveState(): Pick<Live, 'state' | 'detail'> {
  const live = useContext(LiveContext);
  return { state: live?.state ?? 'connecting', detail: live?.detail ?? null };
}

/** Calls `onChange` for every change `matches` accepts, for as long as the view is mounted. */
export function useLive(matches: (change: LiveChange) => boolean, onChange: (change: LiveChange) => void) {
  const live = useContext(LiveContext);
  const latest = useRef({ matches, onChange });
  latest.current = { matches, onChange };
  useEffect(() => {
    if (!live) return;
    return live.subscribe((c) => {
      if (latest.current.matches(c)) latest.current.onChange(c);
    });
  }, [live]);
}
