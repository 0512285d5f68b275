// The same 50 flags for both systems: a 50/50 sticky rollout on the user id, the common case.
export const FLAG_COUNT = 50;
export const names = Array.from({ length: FLAG_COUNT }, (_, i) => `feature-${String(i).padStart(2, '0')}`);

/** flagd form for Sluice: fractional split on targetingKey. */
export function flagdFile() {
  const flags = {};
  for (const name of names) {
    flags[name] = {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'targetingKey' }] }, ['on', 50], ['off', 50]],
      },
    };
  }
  return { flags };
}

/** Unleash client-features form: flexibleRollout 50 % sticky on userId. */
export function unleashFeatures() {
  return names.map((name) => ({
    name,
    enabled: true,
    strategies: [
      { name: 'flexibleRollout', parameters: { rollout: '50', stickiness: 'userId', groupId: name } },
    ],
    variants: [],
  }));
}
