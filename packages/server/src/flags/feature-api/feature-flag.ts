/**
 * The feature API's flag configuration (`{enabled, percentage, environments, userWhitelist, public}`)
 * and its translation to an ordinary flagd flag, so kills, emergency mode, OFREP, versions and
 * audit apply to it. The original service's rules, in its order: whitelisted user → on; a non-zero
 * percentage → its own bucketing (`percentage_rollout`, so users already inside stay
 * inside); otherwise `enabled`. One departure: `enabled: false` always wins (a kill switch).
 */
import { type FlagDefinition, FlagSchema } from '@sluice/core/flags';
import { z } from 'zod';
import { environmentName } from '../../environments/environment.kind.js';

export const featureApiFlagSchema = z
  .object({
    enabled: z.boolean().optional(),
    percentage: z.number().min(0).max(100).optional(),
    environments: z.array(environmentName).max(100).optional(),
    userWhitelist: z.array(z.string().max(512)).max(10_000).optional(),
    public: z.record(z.string(), z.json()).optional(),
  })
  .meta({ id: 'FeatureApiFlag' });
export type FeatureApiFlag = z.infer<typeof featureApiFlagSchema>;

/**
 * Metadata keys that mark a flag as written by the feature API and keep its configuration. The
 * stored names (`seedConfig`, `managedBy: 'seed-api'`) stay as first written: flags in databases
 * and OFREP clients reading their metadata depend on them.
 */
export const FEATURE_API_METADATA = { managedBy: 'managedBy', config: 'seedConfig' } as const;

/** The user key the original service hashed and whitelisted: `userId`, or OFREP's `targetingKey`. */
const USER = { or: [{ var: 'userId' }, { var: 'targetingKey' }] };

export function toFlagDefinition(config: FeatureApiFlag): FlagDefinition {
  const base = {
    state: 'ENABLED' as const,
    variants: { on: true, off: false },
    safeVariant: 'off',
    metadata: {
      [FEATURE_API_METADATA.managedBy]: 'seed-api',
      [FEATURE_API_METADATA.config]: JSON.stringify(config),
    },
  };
  if (config.enabled === false) return FlagSchema.parse({ ...base, defaultVariant: 'off' });
  const rules: unknown[] = [];
  if (config.userWhitelist?.length) rules.push({ in: [USER, config.userWhitelist] }, 'on');
  // the original tests `if (config.percentage)`: 0 means "no percentage", and then `enabled` decides
  const otherwise = config.percentage ? 'off' : config.enabled ? 'on' : 'off';
  if (config.percentage) rules.push({ percentage_rollout: [config.percentage] }, 'on');
  return FlagSchema.parse({
    ...base,
    defaultVariant: otherwise,
    ...(rules.length ? { targeting: { if: [...rules, otherwise] } } : {}),
  });
}

/** The stored `config` (its `public` part) from a flag's metadata; `{}` for other flags. */
export function publicConfigOf(metadata: Readonly<Record<string, unknown>> | undefined): unknown {
  const raw = metadata?.[FEATURE_API_METADATA.config];
  if (typeof raw !== 'string') return {};
  try {
    return (JSON.parse(raw) as FeatureApiFlag).public ?? {};
  } catch {
    return {};
  }
}
