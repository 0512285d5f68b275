/**
 * The seed's flag configuration (`{enabled, percentage, environments, userWhitelist, public}`)
 * and its translation to an ordinary flagd flag, so kills, emergency mode, OFREP, versions and
 * audit apply to it. The seed's rules, in its order: whitelisted user → on; a non-zero
 * percentage → the seed's own bucketing (`seed_percentage`, so users already inside stay
 * inside); otherwise `enabled`. One departure: `enabled: false` always wins (a kill switch).
 */
import { type FlagDefinition, FlagSchema } from '@sluice/core/flags';
import { z } from 'zod';
import { environmentName } from '../environments/environment.kind.js';

export const seedFlagConfigSchema = z
  .object({
    enabled: z.boolean().optional(),
    percentage: z.number().min(0).max(100).optional(),
    environments: z.array(environmentName).max(100).optional(),
    userWhitelist: z.array(z.string().max(512)).max(10_000).optional(),
    public: z.record(z.string(), z.json()).optional(),
  })
  .meta({ id: 'SeedFlagConfig' });
export type SeedFlagConfig = z.infer<typeof seedFlagConfigSchema>;

/** Metadata keys that mark a flag as written by the seed API and keep its configuration. */
export const SEED_METADATA = { managedBy: 'managedBy', config: 'seedConfig' } as const;

/** The user key the seed hashes and whitelists: `userId`, or OFREP's `targetingKey`. */
const USER = { or: [{ var: 'userId' }, { var: 'targetingKey' }] };

export function toFlagDefinition(config: SeedFlagConfig): FlagDefinition {
  const base = {
    state: 'ENABLED' as const,
    variants: { on: true, off: false },
    safeVariant: 'off',
    metadata: {
      [SEED_METADATA.managedBy]: 'seed-api',
      [SEED_METADATA.config]: JSON.stringify(config),
    },
  };
  if (config.enabled === false) return FlagSchema.parse({ ...base, defaultVariant: 'off' });
  const rules: unknown[] = [];
  if (config.userWhitelist?.length) rules.push({ in: [USER, config.userWhitelist] }, 'on');
  // the seed tests `if (config.percentage)`: 0 means "no percentage", and then `enabled` decides
  const otherwise = config.percentage ? 'off' : config.enabled ? 'on' : 'off';
  if (config.percentage) rules.push({ seed_percentage: [config.percentage] }, 'on');
  return FlagSchema.parse({
    ...base,
    defaultVariant: otherwise,
    ...(rules.length ? { targeting: { if: [...rules, otherwise] } } : {}),
  });
}

/** The seed's `config` (its `public` part) from a flag's metadata; `{}` for other flags. */
export function publicConfigOf(metadata: Readonly<Record<string, unknown>> | undefined): unknown {
  const raw = metadata?.[SEED_METADATA.config];
  if (typeof raw !== 'string') return {};
  try {
    return (JSON.parse(raw) as SeedFlagConfig).public ?? {};
  } catch {
    return {};
  }
}
