/** The flags every OFREP suite evaluates: one per OFREP value type, plus the special cases. */
export const OFREP_FLAGS = {
  $schema: 'https://flagd.dev/schema/v0/flags.json',
  metadata: { team: 'web' },
  flags: {
    'new-checkout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      safeVariant: 'off',
      targeting: { if: [{ '==': [{ var: 'plan' }, 'premium'] }, 'on', null] },
    },
    'banner-colour': {
      state: 'ENABLED',
      variants: { red: 'red', blue: 'blue' },
      defaultVariant: 'blue',
      metadata: { owner: 'growth' },
    },
    'max-items': { state: 'ENABLED', variants: { few: 5, many: 50.5 }, defaultVariant: 'many' },
    layout: {
      state: 'ENABLED',
      variants: { grid: { columns: 3, dense: true }, list: { columns: 1, dense: false } },
      defaultVariant: 'grid',
      targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'list-user'] }, 'list', 'grid'] },
    },
    // no default variant: OFREP's "code default", the caller's own default applies
    'code-default': { state: 'ENABLED', variants: { on: true, off: false } },
    'switched-off': { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
  },
};
