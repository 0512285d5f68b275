// Flag evaluation throughput: Sluice's compiled engine against @openfeature/flagd-core (the
// JavaScript flagd evaluator, itself compiling rules with json-logic-engine), same flags, same
// contexts, same process. Needs a build: `npx tsc -b packages/core`, then
// `node bench/flags/engine.bench.mjs [seconds-per-round]`.
import { FlagdCore } from '@openfeature/flagd-core';
import { compileFlagSet, evaluate } from '../../packages/core/dist/flags/index.js';

const seconds = Number(process.argv[2] ?? 1);
const ROUNDS = 9;

const doc = {
  flags: {
    static: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    targeted: {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        if: [
          { ends_with: [{ var: 'email' }, '@example.com'] },
          'on',
          { and: [{ '==': [{ var: 'tier' }, 'premium'] }, { in: [{ var: 'country' }, ['de', 'fr', 'nl']] }] },
          'on',
          'off',
        ],
      },
    },
    fractional: {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        if: [
          { '!=': [{ var: 'tier' }, 'banned'] },
          {
            fractional: [
              ['on', 50],
              ['off', 50],
            ],
          },
          'off',
        ],
      },
    },
  },
};

const contexts = Array.from({ length: 1024 }, (_, i) => ({
  targetingKey: `user-${i}`,
  email: i % 3 === 0 ? `u${i}@example.com` : `u${i}@acme.org`,
  tier: ['premium', 'basic', 'banned'][i % 3],
  country: ['de', 'us', 'fr', 'jp'][i % 4],
}));

const set = compileFlagSet(doc);
const silent = { error() {}, warn() {}, info() {}, debug() {} };
const core = new FlagdCore(undefined, silent);
core.setConfigurations(JSON.stringify(doc));

// the two engines must agree before their speed means anything
for (const key of Object.keys(doc.flags)) {
  for (const ctx of contexts) {
    const ours = evaluate(set, key, 'boolean', false, ctx);
    const theirs = core.resolveBooleanEvaluation(key, false, ctx);
    if (ours.value !== theirs.value || ours.variant !== theirs.variant || ours.reason !== theirs.reason) {
      throw new Error(`engines disagree on ${key} for ${JSON.stringify(ctx)}`);
    }
  }
}

let sink = 0;
/** Evaluations per second of `run` over the contexts, for about `seconds`. */
function round(run) {
  let n = 0;
  const start = performance.now();
  const stop = start + seconds * 1000;
  let now = start;
  while (now < stop) {
    for (let i = 0; i < 1024; i++) sink += run(contexts[i]) ? 1 : 0;
    n += 1024;
    if ((n & 16383) === 0) now = performance.now();
  }
  return n / ((performance.now() - start) / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows = [];
for (const key of Object.keys(doc.flags)) {
  const ours = (ctx) => evaluate(set, key, 'boolean', false, ctx).value;
  const theirs = (ctx) => core.resolveBooleanEvaluation(key, false, ctx).value;
  round(ours); // warm-up
  round(theirs);
  // alternate the engines round by round so both see the same machine load
  const sluice = [];
  const flagd = [];
  for (let r = 0; r < ROUNDS; r++) {
    sluice.push(round(ours));
    flagd.push(round(theirs));
  }
  rows.push({
    key,
    sluice: median(sluice),
    flagd: median(flagd),
    ratio: median(sluice.map((s, i) => s / flagd[i])),
  });
}

const fmt = (r) => `${(r / 1e6).toFixed(2)} M/s`;
console.log(
  `Node ${process.version}, ${ROUNDS} alternating rounds of ${seconds} s per engine and shape; medians`,
);
console.log('| shape | sluice | flagd-core 4.0.1 | ratio |');
console.log('|---|---|---|---|');
for (const { key, sluice, flagd, ratio } of rows) {
  console.log(`| ${key} | ${fmt(sluice)} | ${fmt(flagd)} | ${ratio.toFixed(1)}x |`);
}
if (sink === -1) console.log(sink);
