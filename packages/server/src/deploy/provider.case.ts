import { isSluiceError } from '@sluice/core/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploymentSchema } from './model.js';
import type { DeployProvider } from './provider.js';

/**
 * What a provider test hands the contract suite: a provider on a FRESH deploy system (nothing
 * deployed), two versions it can bring up, and what this machine can check about it.
 */
export interface DeployContractFixture {
  provider: DeployProvider;
  versions: readonly [string, string];
  /** Upstreams answer `GET /health` with `{version}` here (false where they are cluster DNS names). */
  reachable: boolean;
  /** Whether `retire` stops the version (false for `static`: it does not own what it points at). */
  retireStops: boolean;
  /** The image a stage would name for a version (default `app:<version>`). */
  imageOf?: (version: string) => string;
  /** A version that comes up but never becomes ready, when the fixture can make one. */
  stuckVersion?: string;
  /** Makes the deploy system unreachable. */
  breakProvider?: () => Promise<void>;
  close(): Promise<void>;
}

export async function expectCode(promise: Promise<unknown>, code: string, path?: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeDefined();
  expect(isSluiceError(err) ? err.code : err).toBe(code);
  if (path !== undefined && isSluiceError(err)) expect(err.fields.map((f) => f.path)).toContain(path);
}

async function healthVersion(upstream: string): Promise<string | undefined> {
  const res = await fetch(`${upstream}/health`, { signal: AbortSignal.timeout(5000) });
  return ((await res.json()) as { version?: string }).version;
}

/** Runs the behaviour every deploy provider must have. */
export function describeDeployProviderContract(
  name: string,
  makeFixture: () => Promise<DeployContractFixture>,
): void {
  describe(`deploy provider contract: ${name}`, () => {
    let f: DeployContractFixture;
    let p: DeployProvider;
    beforeEach(async () => {
      f = await makeFixture();
      p = f.provider;
    });
    afterEach(async () => {
      await p.close();
      await f.close();
    });

    it('knows nothing about a version it never deployed', async () => {
      expect(await p.status('never-deployed')).toBeNull();
    });

    it('deploys a version, waits until it is ready and reports valid upstreams', async () => {
      const [v1] = f.versions;
      const d = await p.deploy({ opId: 'op/deploy-1', version: v1, image: f.imageOf?.(v1) ?? `app:${v1}` });
      expect(deploymentSchema.safeParse(d).success).toBe(true);
      expect(d.version).toBe(v1);
      expect(['starting', 'ready']).toContain(d.state);
      const ready = await p.waitReady(v1, { timeoutMs: 20_000 });
      expect(ready.state).toBe('ready');
      expect(ready.upstreams.length).toBeGreaterThan(0);
      // A deploy system may not know the address until the version is up; once known it stays.
      if (d.upstreams.length > 0) expect(ready.upstreams).toEqual(d.upstreams);
      expect((await p.status(v1))?.state).toBe('ready');
      if (f.reachable) for (const u of ready.upstreams) expect(await healthVersion(u)).toBe(v1);
    });

    it('returns the existing deployment when the same operation is repeated', async () => {
      const [v1] = f.versions;
      const first = await p.deploy({ opId: 'op/deploy-1', version: v1 });
      const again = await p.deploy({ opId: 'op/deploy-1', version: v1 });
      if (first.upstreams.length > 0) expect(again.upstreams).toEqual(first.upstreams);
      expect(again.version).toBe(first.version);
      const ready = await p.waitReady(v1, { timeoutMs: 20_000 });
      expect((await p.deploy({ opId: 'op/deploy-1', version: v1 })).upstreams).toEqual(ready.upstreams);
      expect((await p.list()).filter((d) => d.version === v1)).toHaveLength(1);
    });

    it('lists what runs and retires a version idempotently', async () => {
      const [v1, v2] = f.versions;
      await p.deploy({ opId: 'op/a', version: v1 });
      await p.deploy({ opId: 'op/b', version: v2 });
      await p.waitReady(v1, { timeoutMs: 20_000 });
      const b = await p.waitReady(v2, { timeoutMs: 20_000 });
      expect((await p.list()).map((d) => d.version).sort()).toEqual([v1, v2].sort());

      const retired = await p.retire({ opId: 'op/retire-b', version: v2 });
      await p.retire({ opId: 'op/retire-b', version: v2 });
      if (!f.retireStops) return;
      expect(retired?.state).toBe('retired');
      expect((await p.list()).map((d) => d.version)).toEqual([v1]);
      expect([null, 'retired']).toContain((await p.status(v2))?.state ?? null);
      if (f.reachable) {
        const gone = await fetch(`${b.upstreams[0]}/health`, { signal: AbortSignal.timeout(2000) }).then(
          () => false,
          () => true,
        );
        expect(gone).toBe(true);
      }
      expect(await p.retire({ opId: 'op/retire-x', version: 'never-deployed' })).toBeNull();
    });

    it('refuses bad input naming the field, changing nothing', async () => {
      const before = await p.list();
      await expectCode(p.deploy({ opId: '', version: f.versions[0] }), 'VALIDATION_FAILED', 'request.opId');
      await expectCode(
        p.deploy({ opId: 'op/x', version: 'not a version' }),
        'VALIDATION_FAILED',
        'request.version',
      );
      await expectCode(p.retire({ opId: 'op/x', version: '../etc' }), 'VALIDATION_FAILED', 'request.version');
      await expectCode(p.status('no good'), 'VALIDATION_FAILED', 'version');
      expect(await p.list()).toEqual(before);
    });

    it('gives up waiting with DEPLOY_TIMEOUT when a version never becomes ready', async () => {
      if (f.stuckVersion === undefined) return;
      await p.deploy({ opId: 'op/stuck', version: f.stuckVersion });
      await expectCode(p.waitReady(f.stuckVersion, { timeoutMs: 600 }), 'DEPLOY_TIMEOUT');
    });

    it('reports an unreachable deploy system as DEPLOY_PROVIDER_UNAVAILABLE', async () => {
      if (!f.breakProvider) return;
      await f.breakProvider();
      await expectCode(p.deploy({ opId: 'op/down', version: f.versions[0] }), 'DEPLOY_PROVIDER_UNAVAILABLE');
      await expectCode(p.status(f.versions[0]), 'DEPLOY_PROVIDER_UNAVAILABLE');
    });
  });
}
