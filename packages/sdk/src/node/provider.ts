/**
 * `SluiceProvider`: an OpenFeature server provider that evaluates in-process on a `SluiceClient`
 * (the core engine on a streamed copy of the flag set), with OpenFeature's provider events:
 * READY, CONFIGURATION_CHANGED (with the changed keys), STALE while the server is unreachable,
 * ERROR when the server refuses the token or sends a set that does not compile.
 */
import {
  type EvaluationContext,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import type { FlagValueType } from '@sluice/core/flags';
import { SluiceClient, type SluiceClientOptions, type SluiceResult } from './client.js';

export interface SluiceProviderOptions extends SluiceClientOptions {
  /** How long `initialize` waits for a flag set (ms). Default 10,000. */
  readyTimeoutMs?: number;
}

export class SluiceProvider implements Provider {
  readonly metadata = { name: 'sluice' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  /** The client underneath, for its `status()` and `version()`. */
  readonly client: SluiceClient;
  private initialised = false;

  /**
   * @example
   * import { OpenFeature } from '@openfeature/server-sdk';
   * import { SluiceProvider } from '@sluice/sdk';
   * await OpenFeature.setProviderAndWait(new SluiceProvider({ url: 'http://127.0.0.1:4200', token }));
   * const enabled = await OpenFeature.getClient().getBooleanValue('new_checkout_flow', false, { targetingKey: 'u1' });
   */
  constructor(
    options: SluiceProviderOptions | SluiceClient,
    private readonly readyTimeoutMs = 10_000,
  ) {
    this.client = options instanceof SluiceClient ? options : new SluiceClient(options);
    if (!(options instanceof SluiceClient) && options.readyTimeoutMs !== undefined)
      this.readyTimeoutMs = options.readyTimeoutMs;
    this.client.on('ready', () => {
      if (this.initialised)
        this.events.emit(ProviderEvents.Ready, { message: 'the flag set is current again' });
    });
    this.client.on('change', ({ flagsChanged, version }) =>
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged, metadata: { version } }),
    );
    this.client.on('stale', (error) => {
      if (this.initialised) this.events.emit(ProviderEvents.Stale, { message: error.message });
    });
    this.client.on('error', (error) => {
      if (this.initialised) this.events.emit(ProviderEvents.Error, { message: error.message });
    });
  }

  /** Resolves once a flag set serves (see `SluiceClient.waitForReady`); OpenFeature then emits READY. */
  async initialize(): Promise<void> {
    await this.client.waitForReady({ timeoutMs: this.readyTimeoutMs });
    this.initialised = true;
  }

  async onClose(): Promise<void> {
    await this.client.close();
  }

  resolveBooleanEvaluation(key: string, defaultValue: boolean, context: EvaluationContext) {
    return this.resolve(key, 'boolean', defaultValue, context);
  }

  resolveStringEvaluation(key: string, defaultValue: string, context: EvaluationContext) {
    return this.resolve(key, 'string', defaultValue, context);
  }

  resolveNumberEvaluation(key: string, defaultValue: number, context: EvaluationContext) {
    return this.resolve(key, 'number', defaultValue, context);
  }

  resolveObjectEvaluation<T extends JsonValue>(key: string, defaultValue: T, context: EvaluationContext) {
    return this.resolve(key, 'object', defaultValue as never, context) as Promise<ResolutionDetails<T>>;
  }

  /**
   * A settled promise: the evaluation itself is synchronous and never throws. A result the engine
   * computed when it compiled the flag (frozen, shared by every evaluation that reaches it) gets
   * one settled promise, kept with it: most evaluations allocate nothing.
   */
  private resolve<T>(
    key: string,
    type: FlagValueType,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    const result = this.client.evaluate(key, type, defaultValue as never, context) as SluiceResult<T>;
    if (!Object.isFrozen(result)) return Promise.resolve(result as ResolutionDetails<T>);
    let settled = SETTLED.get(result);
    if (!settled) {
      settled = Promise.resolve(result as ResolutionDetails<unknown>);
      SETTLED.set(result, settled);
    }
    return settled as Promise<ResolutionDetails<T>>;
  }
}

/** Settled promises of the engine's precomputed results; they go with their compiled flags. */
const SETTLED = new WeakMap<object, Promise<ResolutionDetails<unknown>>>();
