/**
 * The client's copy on disk: a bootstrap set (given, or read from a file) and the cache file of the
 * last good set, loaded before the server is asked, and the cache rewritten after each set the
 * server sends. It holds no flag set: it hands what it reads to the client through `LocalCopyHost`.
 */

import { readCache, writeCache } from './cache.js';
import type { SluiceClientOptions } from './client.js';

export type LocalCopyOptions = Pick<SluiceClientOptions, 'bootstrap' | 'cacheFile'>;

/** What the local copy needs from the client that owns it. */
export interface LocalCopyHost {
  /** Serves a payload read from the bootstrap or the cache; rejects when it does not apply. */
  apply(payload: unknown): Promise<void>;
  /** The sync payload of the set served now, undefined before the first. */
  served(): unknown;
  /** A source that could not be read or applied; loading goes on with the next. */
  unreadable(error: Error): void;
}

export class LocalCopy {
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: LocalCopyOptions,
    private readonly host: LocalCopyHost,
  ) {}

  /** Applies the bootstrap, then the cache file; a set older than the one served is skipped. */
  async load(): Promise<void> {
    const readers: (() => Promise<unknown>)[] = [];
    const { bootstrap, cacheFile } = this.options;
    if (bootstrap !== undefined)
      readers.push(async () => (typeof bootstrap === 'string' ? readCache(bootstrap) : bootstrap));
    if (cacheFile) readers.push(() => readCache(cacheFile));
    for (const read of readers) {
      try {
        const payload = await read();
        if (payload !== undefined) await this.host.apply(payload);
      } catch (error) {
        this.host.unreadable(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  /**
   * Writes the set served to the cache file, if there is one. One write at a time, each of the
   * newest set: an older set never lands after a newer one.
   */
  save(): void {
    const file = this.options.cacheFile;
    if (!file) return;
    this.writes = this.writes.then(() => {
      const served = this.host.served();
      return served ? writeCache(file, served) : undefined;
    });
  }
}
