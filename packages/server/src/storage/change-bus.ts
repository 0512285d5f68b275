/**
 * Changes every replica must hear of at once (a revoked token). On SQLite there is one process,
 * so the bus is in-process; on PostgreSQL it is LISTEN/NOTIFY on one channel per schema, so
 * replicas on one database hear each other and test schemas never cross-talk. A lost listening
 * connection is re-opened; subscribers are then told to `resync` (they may have missed changes).
 */
import { EventEmitter } from 'node:events';
import pg from 'pg';

export interface ChangeBus {
  /** Tells every replica (this one included) of a change on `topic`. */
  publish(topic: string, payload: string): Promise<void>;
  /** `onChange(payload)` for each change on the topic; `onResync()` after a gap. Returns unsubscribe. */
  subscribe(topic: string, onChange: (payload: string) => void, onResync?: () => void): () => void;
  close(): Promise<void>;
}

/** One process: changes are delivered synchronously to this process's subscribers. */
export function inProcessBus(): ChangeBus {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  return {
    async publish(topic, payload) {
      events.emit(topic, payload);
    },
    subscribe(topic, onChange) {
      events.on(topic, onChange);
      return () => events.off(topic, onChange);
    },
    async close() {
      events.removeAllListeners();
    },
  };
}

const RECONNECT_MS = 1_000;

/** LISTEN/NOTIFY: one listening connection per process; NOTIFY goes through the pool. */
export function postgresBus(
  connection: pg.ClientConfig,
  pool: pg.Pool,
  schema: string | undefined,
  log: (message: string, error?: unknown) => void = () => {},
): ChangeBus {
  const channel = `sluice_changes_${schema ?? 'public'}`.slice(0, 63);
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const resyncs = new Set<() => void>();
  let client: pg.Client | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let everConnected = false;

  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client(connection);
    // a lost connection must not end the process: it is re-opened and subscribers resync
    next.on('error', (error) => log('the change bus lost its connection', error));
    next.on('end', () => {
      if (client === next) client = null;
      schedule();
    });
    next.on('notification', (n) => {
      if (n.channel !== channel || n.payload === undefined) return;
      const cut = n.payload.indexOf(':');
      if (cut > 0) local.emit(n.payload.slice(0, cut), n.payload.slice(cut + 1));
    });
    try {
      await next.connect();
      await next.query(`listen "${channel}"`);
    } catch (error) {
      log('the change bus cannot listen; retrying', error);
      next.end().catch(() => {});
      return;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    // changes made while no connection listened were missed
    if (everConnected) for (const resync of resyncs) resync();
    everConnected = true;
  };
  const schedule = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect().then(() => {
        if (!client) schedule();
      });
    }, RECONNECT_MS);
    timer.unref();
  };
  const ready = connect().then(() => {
    if (!client) schedule();
  });

  return {
    async publish(topic, payload) {
      await pool.query('select pg_notify($1, $2)', [channel, `${topic}:${payload}`]);
    },
    subscribe(topic, onChange, onResync) {
      local.on(topic, onChange);
      if (onResync) resyncs.add(onResync);
      return () => {
        local.off(topic, onChange);
        if (onResync) resyncs.delete(onResync);
      };
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await ready;
      const c = client;
      client = null;
      await c?.end().catch(() => {});
      local.removeAllListeners();
    },
  };
}
