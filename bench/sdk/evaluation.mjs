// In-process evaluation: the core engine, the bare SDK (SluiceClient.evaluate), the OpenFeature
// provider's resolve call (awaited, its details read), and the whole OpenFeature client path
// (await getBooleanValue) against @openfeature/flagd-core's rule evaluation — same flags, same
// contexts, same process, alternating rounds. Two ceilings in the same run: a provider's resolve
// that only settles a new promise with a constant (what the OpenFeature provider interface costs
// any provider, awaited the same way), and the OpenFeature client over a provider answering a
// constant (the ceiling of any provider used through the OpenFeature client).
import { FlagdCore } from '@openfeature/flagd-core';
import { OpenFeature } from '@openfeature/server-sdk';
import { compileFlagSet, evaluate } from '../../packages/core/dist/flags/index.js';
import { SluiceClient, SluiceProvider } from '../../packages/sdk/dist/index.js';
import { contexts, doc, machine, median, payloadOf } from './shared.mjs';

const seconds = Number(process.argv[2] ?? 0.5);
const ROUNDS = 5;

const set = compileFlagSet(doc, { mode: 'flagd' });
const silent = { error() {}, warn() {}, info() {}, debug() {} };
const flagd = new FlagdCore(undefined, silent);
flagd.setConfigurations(JSON.stringify(doc));
// no server: the client serves its bootstrap set and its fetch never answers (no background work)
const client = new SluiceClient({
  url: 'http://127.0.0.1:9',
  token: 'bench',
  mode: 'poll',
  bootstrap: payloadOf(doc.flags),
  fetch: () => new Promise(() => {}),
});
await client.waitForReady({ timeoutMs: 1000 }).catch(() => {});
const provider = new SluiceProvider(client);
await OpenFeature.setProviderAndWait('sluice', provider);
const constant = {
  metadata: { name: 'constant' },
  runsOn: 'server',
  resolveBooleanEvaluation: async () => ({ value: true, reason: 'STATIC' }),
  resolveStringEvaluation: async (_k, v) => ({ value: v }),
  resolveNumberEvaluation: async (_k, v) => ({ value: v }),
  resolveObjectEvaluation: async (_k, v) => ({ value: v }),
};
await OpenFeature.setProviderAndWait('constant', constant);
const ofSluice = OpenFeature.getClient('sluice');
const ofConstant = OpenFeature.getClient('constant');

// every Sluice path must agree with flagd before their speed means anything
for (const key of Object.keys(doc.flags)) {
  for (const ctx of contexts) {
    const theirs = flagd.resolveBooleanEvaluation(key, false, ctx);
    const viaClient = await ofSluice.getBooleanDetails(key, false, ctx);
    const bare = client.evaluate(key, 'boolean', false, ctx);
    if (bare.value !== theirs.value || bare.variant !== theirs.variant || viaClient.value !== theirs.value)
      throw new Error(`Sluice and flagd disagree on ${key} for ${JSON.stringify(ctx)}`);
  }
}

let sink = 0;
function round(run) {
  let n = 0;
  const start = performance.now();
  const stop = start + seconds * 1000;
  while (performance.now() < stop) {
    for (let i = 0; i < 1024; i++) sink += run(contexts[i]) ? 1 : 0;
    n += 1024;
  }
  return n / ((performance.now() - start) / 1000);
}
async function roundAsync(run) {
  let n = 0;
  const start = performance.now();
  const stop = start + seconds * 1000;
  while (performance.now() < stop) {
    for (let i = 0; i < 1024; i++) sink += (await run(contexts[i])) ? 1 : 0;
    n += 1024;
  }
  return n / ((performance.now() - start) / 1000);
}
/** A provider's resolve: awaited, then its details' value read (no extra promise of the bench's). */
async function roundDetails(run) {
  let n = 0;
  const start = performance.now();
  const stop = start + seconds * 1000;
  while (performance.now() < stop) {
    for (let i = 0; i < 1024; i++) sink += (await run(contexts[i])).value ? 1 : 0;
    n += 1024;
  }
  return n / ((performance.now() - start) / 1000);
}
const constantDetails = Object.freeze({ value: true, reason: 'STATIC' });

const paths = (key) => ({
  engine: ['sync', (ctx) => evaluate(set, key, 'boolean', false, ctx).value],
  sdk: ['sync', (ctx) => client.evaluate(key, 'boolean', false, ctx).value],
  provider: ['details', (ctx) => provider.resolveBooleanEvaluation(key, false, ctx)],
  promise: ['details', () => Promise.resolve(constantDetails)],
  openfeature: ['async', (ctx) => ofSluice.getBooleanValue(key, false, ctx)],
  ceiling: ['async', (ctx) => ofConstant.getBooleanValue(key, false, ctx)],
  flagd: ['sync', (ctx) => flagd.resolveBooleanEvaluation(key, false, ctx).value],
});
const rounds = { sync: async (run) => round(run), async: roundAsync, details: roundDetails };

const rows = [];
for (const key of Object.keys(doc.flags)) {
  const p = paths(key);
  const got = Object.fromEntries(Object.keys(p).map((k) => [k, []]));
  for (let r = 0; r <= ROUNDS; r++) {
    for (const [name, [how, run]] of Object.entries(p)) {
      const rate = await rounds[how](run);
      if (r > 0) got[name].push(rate); // round 0 warms up
    }
  }
  const m = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, median(v)]));
  const ratio = (a, b) => median(got[a].map((x, i) => x / got[b][i]));
  rows.push({ key, m, ratio });
}

const fmt = (r) => `${(r / 1e6).toFixed(2)} M/s`;
console.log(`${await machine()}; ${ROUNDS} alternating rounds of ${seconds} s per path and shape; medians`);
console.log(
  '| shape | engine | bare SDK | provider resolve | provider ceiling: a settled constant | OpenFeature client | OF client, constant provider (ceiling) | flagd-core 4.0.1 | SDK ÷ engine | provider ÷ engine | provider ÷ its ceiling | **provider ÷ flagd** | OF client ÷ flagd | OF client ÷ ceiling |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const { key, m, ratio } of rows) {
  const r = (a, b, digits = 2) => `${ratio(a, b).toFixed(digits)}`;
  console.log(
    `| ${key} | ${fmt(m.engine)} | ${fmt(m.sdk)} | ${fmt(m.provider)} | ${fmt(m.promise)} | ${fmt(m.openfeature)} | ${fmt(m.ceiling)} | ${fmt(m.flagd)} | ${r('sdk', 'engine')} | ${r('provider', 'engine')} | ${r('provider', 'promise')} | **${r('provider', 'flagd', 1)}×** | ${r('openfeature', 'flagd')} | ${r('openfeature', 'ceiling')} |`,
  );
}
await client.close();
if (sink === -1) console.log(sink);
process.exit(0);
