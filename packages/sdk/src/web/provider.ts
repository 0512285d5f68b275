/**
 * `SluiceWebProvider`: an OpenFeature web provider. It evaluates the user's context remotely in
 * one OFREP bulk call, serves the answers synchronously, re-fetches (with `If-None-Match`) when
 * the server's change stream says the flags moved or when the context changes, and keeps the last
 * answers serving while the server is unreachable (STALE), reconnecting with jittered backoff.
 * The stream is read over `fetch` with the `Authorization` header: no token in a URL.
 */
import {
  type EvaluationContext,
  type FlagValue,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
} from '@openfeature/web-sdk';
import { Backoff, type BackoffOptions } from '../stream/backoff.js';
import { readEventStream, StreamRefused } from '../stream/sse.js';
import { changedKeys, fetchBulk, type OfrepFlag } from './bulk.js';

export interface SluiceWebProviderOptions {
  /** The Sluice server, e.g. `https://flags.example.com`. */
  url: string;
  /** An `sdk:<env>` token (browser-safe: it can only evaluate flags). */
  token: string;
  /** Stream silence (ms) after which the connection is taken for dead. Default 45,000. */
  idleTimeoutMs?: number;
  backoff?: BackoffOptions;
  fetch?: typeof fetch;
}

type Details<T> = ResolutionDetails<T>;

export class SluiceWebProvider implements Provider {
  readonly metadata = { name: 'sluice-web' } as const;
  readonly runsOn = 'client' as const;
  readonly events = new OpenFeatureEventEmitter();
  private flags = new Map<string, OfrepFlag>();
  private etag: string | undefined;
  private context: EvaluationContext = {};
  private readonly stop = new AbortController();
  private readonly backoff: Backoff;
  private readonly base: string;
  private stale = false;
  private streaming = false;
  private refetching: Promise<void> | undefined;

  /**
   * @example
   * import { OpenFeature } from '@openfeature/web-sdk';
   * import { SluiceWebProvider } from '@sluice/sdk/web';
   * await OpenFeature.setProviderAndWait(new SluiceWebProvider({ url: location.origin, token }));
   * await OpenFeature.setContext({ targetingKey: userId });
   */
  constructor(private readonly options: SluiceWebProviderOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.backoff = new Backoff(options.backoff);
  }

  /** Evaluates the context in bulk, then follows the change stream. */
  async initialize(context: EvaluationContext = {}): Promise<void> {
    this.context = context;
    await this.refetch(false);
    if (!this.streaming) {
      this.streaming = true;
      void this.follow();
    }
  }

  /** A new context: a new bulk evaluation (OpenFeature shows RECONCILING meanwhile). */
  async onContextChange(_old: EvaluationContext, next: EvaluationContext): Promise<void> {
    this.context = next;
    this.etag = undefined;
    await this.refetch(true);
  }

  async onClose(): Promise<void> {
    this.stop.abort(new Error('closed'));
  }

  resolveBooleanEvaluation(key: string, defaultValue: boolean): Details<boolean> {
    return this.answer(key, defaultValue, 'boolean');
  }

  resolveStringEvaluation(key: string, defaultValue: string): Details<string> {
    return this.answer(key, defaultValue, 'string');
  }

  resolveNumberEvaluation(key: string, defaultValue: number): Details<number> {
    return this.answer(key, defaultValue, 'number');
  }

  resolveObjectEvaluation<T extends JsonValue>(key: string, defaultValue: T): Details<T> {
    return this.answer(key, defaultValue, 'object');
  }

  private answer<T extends FlagValue>(key: string, defaultValue: T, type: string): Details<T> {
    const flag = this.flags.get(key);
    const flagMetadata = flag?.metadata ?? {};
    if (!flag) return error(defaultValue, 'FLAG_NOT_FOUND', `flag "${key}" is not in the bulk evaluation`);
    if (flag.errorCode)
      return { ...error(defaultValue, flag.errorCode, flag.errorDetails ?? flag.errorCode), flagMetadata };
    if (!('value' in flag)) return { value: defaultValue, reason: flag.reason ?? 'DEFAULT', flagMetadata };
    const actual = flag.value === null ? 'null' : Array.isArray(flag.value) ? 'object' : typeof flag.value;
    if (actual !== type)
      return {
        ...error(defaultValue, 'TYPE_MISMATCH', `flag "${key}" is ${actual}, not ${type}`),
        flagMetadata,
      };
    return {
      value: flag.value as T,
      ...(flag.variant !== undefined ? { variant: flag.variant } : {}),
      reason: flag.reason ?? 'UNKNOWN',
      flagMetadata,
    };
  }

  /** One bulk evaluation at a time; a change while one runs asks for another after it. */
  private refetch(announce: boolean): Promise<void> {
    const run = async () => {
      const answer = await fetchBulk(
        `${this.base}/ofrep/v1/evaluate/flags`,
        this.headers(),
        this.context,
        this.etag,
        this.options.fetch ?? fetch.bind(globalThis),
      );
      if (answer.status === 304) return;
      const flagsChanged = changedKeys(this.flags, answer.flags);
      this.flags = answer.flags;
      this.etag = answer.etag;
      if (announce && flagsChanged.length)
        this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged });
    };
    const next = (this.refetching ?? Promise.resolve()).catch(() => {}).then(run);
    this.refetching = next;
    return next;
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.options.token}` };
  }

  private async follow(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        await readEventStream({
          url: `${this.base}/ofrep/v1/events`,
          headers: this.headers(),
          signal: this.stop.signal,
          idleTimeoutMs: this.options.idleTimeoutMs ?? 45_000,
          ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
          onOpen: () => void this.reconnected(),
          onEvent: (event) => {
            if (event.data.includes('refetchEvaluation'))
              void this.refetch(true).catch((e) => this.trouble(e));
          },
        });
        if (!this.stop.signal.aborted) this.trouble(new Error('the server closed the change stream'));
      } catch (e) {
        if (this.stop.signal.aborted) return;
        this.trouble(e);
      }
      await new Promise((resolve) => setTimeout(resolve, this.backoff.next()));
    }
  }

  /** Back on the stream: catch up on what changed meanwhile, then say the answers are current. */
  private async reconnected(): Promise<void> {
    try {
      await this.refetch(true);
      this.backoff.reset();
      if (this.stale) {
        this.stale = false;
        this.events.emit(ProviderEvents.Ready, { message: 'the flags are current again' });
      }
    } catch (e) {
      this.trouble(e);
    }
  }

  private trouble(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    const refused = e instanceof StreamRefused && (e.status === 401 || e.status === 403);
    this.stale = true;
    this.events.emit(refused ? ProviderEvents.Error : ProviderEvents.Stale, { message });
  }
}

function error<T>(value: T, errorCode: string, errorMessage: string): Details<T> {
  return { value, reason: 'ERROR', errorCode: errorCode as Details<T>['errorCode'], errorMessage };
}
