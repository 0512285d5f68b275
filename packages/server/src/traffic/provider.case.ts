import { isSluiceError } from '@sluice/core/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appliedTrafficSchema } from './model.js';
import type { TrafficProvider } from './provider.js';

/**
 * What a provider test hands the contract suite: a provider on a FRESH, empty data plane, and
 * upstream URLs valid for it. Versions in the suite are `blue` and `green`; `blue2` is a second
 * address for blue.
 */
export interface ContractFixture {
  provider: TrafficProvider;
  upstreams: { blue: string; green: string; blue2: string };
  /**
   * Sends `n` requests through the data plane and counts them by the upstream that answered
   * (`blue`, `green`, `blue2`). Absent when no data plane can run here (Gateway API).
   */
  probe?: (n: number, headers?: Record<string, string>) => Promise<Record<string, number>>;
  /** The data plane takes one upstream per version (the builtin router): several are refused. */
  singleUpstreamPerVersion?: boolean;
  /** Makes the data plane unreachable (kills the process / closes the API server). */
  breakDataPlane?: () => Promise<void>;
  close(): Promise<void>;
}

async function expectCode(promise: Promise<unknown>, code: string, path?: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeDefined();
  expect(isSluiceError(err) ? err.code : err).toBe(code);
  if (path !== undefined && isSluiceError(err)) expect(err.fields.map((f) => f.path)).toContain(path);
}

/** Runs the shared behaviour every traffic provider must have (like Hono's router common cases). */
export function describeTrafficProviderContract(
  name: string,
  makeFixture: () => Promise<ContractFixture>,
): void {
  describe(`traffic provider contract: ${name}`, () => {
    let f: ContractFixture;
    let p: TrafficProvider;
    beforeEach(async () => {
      f = await makeFixture();
      p = f.provider;
    });
    afterEach(async () => {
      await p.close();
      await f.close();
    });

    const twoVersions = () => p.setBackends({ blue: [f.upstreams.blue], green: [f.upstreams.green] });

    it('reads back an empty, valid state from a fresh data plane', async () => {
      const state = await p.read();
      expect(appliedTrafficSchema.safeParse(state).success).toBe(true);
      expect(state.backends).toEqual({});
      expect(state.matchRules).toEqual([]);
      expect(state.mirror).toBeNull();
    });

    it('applies backends and returns them read back, new versions at weight 0', async () => {
      const applied = await twoVersions();
      expect(applied.backends).toEqual({ blue: [f.upstreams.blue], green: [f.upstreams.green] });
      expect(applied.weights).toEqual({ blue: 0, green: 0 });
      expect(await p.read()).toEqual(applied);
    });

    it('applies weights exactly and routes by them', async () => {
      await twoVersions();
      const all = await p.setWeights({ blue: 100, green: 0 });
      expect(all.weights).toEqual({ blue: 100, green: 0 });
      if (f.probe) expect(await f.probe(10)).toEqual({ blue: 10 });

      const split = await p.setWeights({ blue: 75, green: 25 });
      expect(split.weights).toEqual({ blue: 75, green: 25 });
      expect((await p.read()).weights).toEqual({ blue: 75, green: 25 });
      if (f.probe) {
        const counts = await f.probe(100);
        expect((counts.blue ?? 0) + (counts.green ?? 0)).toBe(100);
        // Weighted round robin in both HAProxy and NGINX: exact over a full cycle, give or take a turn.
        expect(counts.green).toBeGreaterThanOrEqual(20);
        expect(counts.green).toBeLessThanOrEqual(30);
      }

      expect((await p.setWeights({ green: 100 })).weights).toEqual({ blue: 0, green: 100 });
      if (f.probe) expect(await f.probe(10)).toEqual({ green: 10 });
    });

    it('refuses weights that do not sum to 100 or name unknown versions, changing nothing', async () => {
      await twoVersions();
      const before = await p.setWeights({ blue: 100 });
      await expectCode(p.setWeights({ blue: 50, green: 40 }), 'VALIDATION_FAILED', 'weights');
      await expectCode(p.setWeights({ blue: 50, red: 50 }), 'VALIDATION_FAILED', 'weights.red');
      await expectCode(p.setWeights({ blue: 50.5, green: 49.5 }), 'VALIDATION_FAILED', 'weights.blue');
      expect(await p.read()).toEqual(before);
    });

    it('re-points a version and removes an idle one, but not one that has traffic', async () => {
      await twoVersions();
      await p.setWeights({ blue: 100 });
      await expectCode(
        p.setBackends({ green: [f.upstreams.green] }),
        'TRAFFIC_CHANGE_CONFLICT',
        'backends.blue',
      );
      const moved = await p.setBackends({ blue: [f.upstreams.blue2], green: [f.upstreams.green] });
      expect(moved.backends.blue).toEqual([f.upstreams.blue2]);
      expect(moved.weights).toEqual({ blue: 100, green: 0 });
      if (f.probe) expect(await f.probe(5)).toEqual({ blue2: 5 });
      const gone = await p.setBackends({ blue: [f.upstreams.blue2] });
      expect(gone.backends).toEqual({ blue: [f.upstreams.blue2] });
      expect(gone.weights).toEqual({ blue: 100 });
    });

    it('spreads a version over several upstreams, or refuses them when it cannot', async () => {
      if (f.singleUpstreamPerVersion) {
        await expectCode(
          p.setBackends({ blue: [f.upstreams.blue, f.upstreams.blue2], green: [f.upstreams.green] }),
          'TRAFFIC_CAPABILITY_MISSING',
          'backends.blue',
        );
        expect((await p.read()).backends).toEqual({});
        return;
      }
      const applied = await p.setBackends({
        blue: [f.upstreams.blue, f.upstreams.blue2],
        green: [f.upstreams.green],
      });
      expect(applied.backends.blue).toEqual([f.upstreams.blue, f.upstreams.blue2]);
      expect((await p.setWeights({ blue: 50, green: 50 })).weights).toEqual({ blue: 50, green: 50 });
      if (f.probe) {
        const counts = await f.probe(40);
        expect(counts.blue).toBeGreaterThan(0);
        expect(counts.blue2).toBeGreaterThan(0);
        expect((counts.blue ?? 0) + (counts.blue2 ?? 0)).toBeGreaterThanOrEqual(16);
        expect((counts.blue ?? 0) + (counts.blue2 ?? 0)).toBeLessThanOrEqual(24);
      }
    });

    it('refuses malformed backends naming the field', async () => {
      await expectCode(p.setBackends({ blue: ['not a url'] }), 'VALIDATION_FAILED', 'backends.blue[0]');
      await expectCode(p.setBackends({ blue: [] }), 'VALIDATION_FAILED', 'backends.blue');
    });

    const headerRule = { source: 'header', name: 'x-canary', value: 'always', version: 'green' } as const;
    const cookieRule = { source: 'cookie', name: 'sluice_canary', value: 'on', version: 'green' } as const;
    const queryRule = { source: 'query', name: 'canary', value: 'yes', version: 'green' } as const;

    for (const [cap, rule, headers] of [
      ['headerMatch', headerRule, { 'x-canary': 'always' }],
      ['cookieMatch', cookieRule, { cookie: 'a=b; sluice_canary=on' }],
      ['queryMatch', queryRule, undefined],
    ] as const) {
      it(`${cap}: pins matching requests to a version, or is refused when unsupported`, async () => {
        await twoVersions();
        await p.setWeights({ blue: 100 });
        if (!p.capabilities[cap]) {
          await expectCode(p.setMatchRules([rule]), 'TRAFFIC_CAPABILITY_MISSING');
          expect((await p.read()).matchRules).toEqual([]);
          return;
        }
        const applied = await p.setMatchRules([rule]);
        expect(applied.matchRules).toEqual([rule]);
        expect(applied.weights).toEqual({ blue: 100, green: 0 });
        if (f.probe) {
          expect(await f.probe(5)).toEqual({ blue: 5 });
          if (headers) expect(await f.probe(5, headers)).toEqual({ green: 5 });
        }
        expect((await p.setMatchRules([])).matchRules).toEqual([]);
      });
    }

    it('refuses a match rule for an unknown version', async () => {
      await twoVersions();
      await expectCode(
        p.setMatchRules([{ ...headerRule, version: 'red' }]),
        'VALIDATION_FAILED',
        'matchRules[0].version',
      );
    });

    it('mirrors to a version, or is refused when it cannot', async () => {
      await twoVersions();
      await p.setWeights({ blue: 100 });
      if (!p.capabilities.mirror) {
        await expectCode(p.setMirror({ version: 'green', percent: 50 }), 'TRAFFIC_CAPABILITY_MISSING');
        expect((await p.setMirror(null)).mirror).toBeNull();
        return;
      }
      const applied = await p.setMirror({ version: 'green', percent: 50 });
      expect(applied.mirror).toEqual({ version: 'green', percent: 50 });
      expect(applied.weights).toEqual({ blue: 100, green: 0 });
      await expectCode(
        p.setBackends({ blue: [f.upstreams.blue] }),
        'TRAFFIC_CHANGE_CONFLICT',
        'backends.green',
      );
      expect((await p.setMirror(null)).mirror).toBeNull();
    });

    it('reports an unreachable data plane as TRAFFIC_PROVIDER_UNAVAILABLE', async () => {
      if (!f.breakDataPlane) return;
      await f.breakDataPlane();
      await expectCode(p.read(), 'TRAFFIC_PROVIDER_UNAVAILABLE');
      await expectCode(p.setWeights({ blue: 100 }), 'TRAFFIC_PROVIDER_UNAVAILABLE');
    });
  });
}
