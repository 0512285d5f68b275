// What the SDK benchmarks share: the flags of bench/flags (three rule shapes), contexts, timing.
export const doc = {
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

export const contexts = Array.from({ length: 1024 }, (_, i) => ({
  targetingKey: `user-${i}`,
  email: i % 3 === 0 ? `u${i}@example.com` : `u${i}@acme.org`,
  tier: ['premium', 'basic', 'banned'][i % 3],
  country: ['de', 'us', 'fr', 'jp'][i % 4],
}));

/** A sync payload of a flagd document, as GET /api/v1/sdk/flag-set sends it. */
export function payloadOf(flags, version = 1) {
  return {
    environment: 'production',
    version,
    digest: `bench-${version}`,
    builtAt: new Date(0).toISOString(),
    flags,
    segments: {},
    killed: [],
    emergency: false,
  };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The q-quantile (0..1) of the numbers, by the nearest rank. */
export function quantile(xs, q) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** A machine's load, for the record. */
export async function machine() {
  const os = await import('node:os');
  return `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, Node ${process.version}`;
}
