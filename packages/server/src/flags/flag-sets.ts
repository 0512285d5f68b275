/**
 * The compiled flag set of each environment, ready for evaluation without touching the
 * database. Rebuilt when the environment's generation moves (local writes rebuild at once;
 * other replicas' writes are seen by polling one small table), and announced to listeners
 * (OFREP change stream, SDK streams).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '@sluice/core';
import { type CompiledFlagSet, compileFlagSet, type KillOverlay } from '@sluice/core/flags';
import { readGenerations } from '../environments/generation.js';
import type { Executor } from '../storage/index.js';
import type { EmergencyService } from './emergency/emergency.service.js';
import { loadEnvironment } from './flag.kind.js';
import type { FlagKill } from './kill-store.js';
import { createKillStore } from './kill-store.kysely.js';

export interface EnvironmentFlags {
  environment: string;
  generation: number;
  set: CompiledFlagSet;
  overlay: KillOverlay;
  kills: ReadonlyMap<string, FlagKill>;
  /** Digest of everything that decides results here (flags, segments, kills, emergency). */
  digest: string;
  /** When the digest last changed (ISO), for Last-Modified style metadata. */
  builtAt: string;
}

export type FlagSetListener = (flags: EnvironmentFlags) => void;

export class FlagSetCache {
  private readonly cache = new Map<string, Promise<EnvironmentFlags>>();
  private generations = new Map<string, number>();
  private readonly listeners = new Set<FlagSetListener>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private readonly rebuilding = new Set<string>();
  /** The last set built per environment: served while the database cannot be read (fail-static). */
  private readonly lastGood = new Map<string, EnvironmentFlags>();

  constructor(
    private readonly db: Executor,
    private readonly emergency: EmergencyService,
    private readonly log: (message: string, error?: unknown) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {
    emergency.onChange((s) => this.invalidate(s.environment));
  }

  async start(pollMs = 1000): Promise<void> {
    this.generations = await readGenerations(this.db);
    this.timer = setInterval(() => void this.poll(), pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  onChange(listener: FlagSetListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The environment's flags; compiled on first use and after every change. */
  get(environment: string): Promise<EnvironmentFlags> {
    let entry = this.cache.get(environment);
    if (!entry) {
      const built: Promise<EnvironmentFlags> = this.build(environment).then(
        (flags) => {
          this.lastGood.set(environment, flags);
          return flags;
        },
        (error: unknown) => {
          // a database outage must not stop evaluation: the flags in memory keep serving (M5),
          // and the set is read again a second later
          const last = this.lastGood.get(environment);
          if (last === undefined) throw error;
          this.log(`rebuilding the flag set of ${environment} failed; serving the last one`, error);
          setTimeout(() => {
            if (this.cache.get(environment) === built) this.cache.delete(environment);
          }, 1000).unref();
          return last;
        },
      );
      entry = built;
      this.cache.set(environment, entry);
      entry.catch(() => this.cache.delete(environment));
    }
    return entry;
  }

  /**
   * Drops an environment's set after a change and rebuilds it once the current burst of
   * changes is over (an apply of 10,000 flags announces 10,000 changes: one rebuild), then
   * tells listeners.
   */
  invalidate(environment: string): void {
    const wanted = this.cache.has(environment) || this.listeners.size > 0;
    this.cache.delete(environment);
    if (!wanted || this.rebuilding.has(environment)) return;
    this.rebuilding.add(environment);
    setImmediate(() => {
      this.rebuilding.delete(environment);
      this.cache.delete(environment);
      this.get(environment).then(
        (flags) => {
          for (const l of this.listeners) l(flags);
        },
        (error) => this.log(`rebuilding the flag set of ${environment} failed`, error),
      );
    });
  }

  /** Reads every environment's generation; rebuilds those that moved. */
  poll(): Promise<void> {
    this.polling ??= (async () => {
      try {
        const next = await readGenerations(this.db);
        for (const [env, gen] of next) if (this.generations.get(env) !== gen) this.invalidate(env);
        this.generations = next;
      } catch (error) {
        this.log('reading flag generations failed', error);
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  private async build(environment: string): Promise<EnvironmentFlags> {
    const generation = (await readGenerations(this.db)).get(environment) ?? 0;
    const { flags, segments } = await loadEnvironment({ trx: this.db }, environment);
    const kills = new Map((await createKillStore(this.db).list(environment)).map((k) => [k.flag, k]));
    const emergency = this.emergency.status(environment) !== null;
    // every stored flag was accepted by a write in its own mode; served as flagd serves them
    // (a flag with a problem flagd rejects answers PARSE_ERROR, the rest of the set works)
    const set: CompiledFlagSet = compileFlagSet({ flags }, { segments, mode: 'flagd' });
    const digest = createHash('sha256')
      .update(canonicalJson({ flags, segments, killed: [...kills.keys()].sort(), emergency }))
      .digest('base64url')
      .slice(0, 22);
    return {
      environment,
      generation,
      set,
      overlay: { killed: new Set(kills.keys()), emergency },
      kills,
      digest,
      builtAt: this.now().toISOString(),
    };
  }
}
