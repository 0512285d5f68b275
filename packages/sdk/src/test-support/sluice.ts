/** A real listening Sluice (SQLite) with a few flags and an sdk token, for the SDK's tests. */
import { startTestServer, type TestDatabase, type TestServer } from '@sluice/server/test-support';

export const FLAGS = {
  flags: {
    'new-checkout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      safeVariant: 'off',
      targeting: { if: [{ in: ['@beta.example', { var: 'email' }] }, 'on', null] },
    },
    'banner-colour': {
      state: 'ENABLED',
      variants: { red: 'red', green: 'green', blue: 'blue' },
      defaultVariant: 'red',
      targeting: {
        fractional: [
          ['red', 34],
          ['green', 33],
          ['blue', 33],
        ],
      },
    },
    'max-items': { state: 'ENABLED', variants: { small: 10, large: 50 }, defaultVariant: 'small' },
    theme: {
      state: 'ENABLED',
      variants: { dark: { mode: 'dark', contrast: 2 }, light: { mode: 'light', contrast: 1 } },
      defaultVariant: 'light',
    },
    retired: { state: 'DISABLED', variants: { a: 'a' }, defaultVariant: 'a' },
  },
};

export interface Sluice {
  t: TestServer;
  url: string;
  /** An sdk:development token. */
  sdk: string;
  /** Sets a flag's default variant through the API. */
  setDefault(flag: string, variant: string): Promise<void>;
  close(): Promise<void>;
}

/** `seed: false` for a restart on a database that has the flags already. */
export async function startSluice(
  options: { database?: TestDatabase; port?: number; seed?: boolean } = {},
): Promise<Sluice> {
  const { seed = true, ...rest } = options;
  const t = await startTestServer('sqlite', { defaultEnvironment: 'development', ...rest });
  if (seed) {
    const applied = await t.request('POST', '/api/v1/apply?environment=development', {
      body: { documents: [FLAGS] },
    });
    if (applied.status !== 200) throw new Error(`apply failed: ${applied.text}`);
  }
  const sdk = await t.token(['sdk:development'], 'sdk-test');
  const url = (await t.server.listen()).replace('localhost', '127.0.0.1');
  return {
    t,
    url,
    sdk,
    async setDefault(flag, variant) {
      const current = await t.request('GET', `/api/v1/flags/${flag}?environment=development`);
      const spec = { ...current.body.spec, defaultVariant: variant };
      const res = await t.request('PUT', `/api/v1/flags/${flag}?environment=development`, { body: { spec } });
      if (res.status >= 300) throw new Error(`flag write failed: ${res.text}`);
    },
    close: () => t.close(),
  };
}
