/**
 * Translation of the seed's feature-flag stage into flagd flag definitions: targeting rules
 * become JsonLogic (with flagd's `starts_with`, `ends_with`, `sem_ver` and `fractional`), and
 * the rollout share becomes a `fractional` split between the `on` and `off` variants.
 */
import type { FlagdFlag, JsonLogic } from './commands.js';
import type { FeatureFlagConfig, TargetingRule } from './plan/strategy-schemas.js';

type Scalar = string | number | boolean;

/** One seed targeting rule → a JsonLogic condition on the evaluation context. */
export function ruleToJsonLogic(rule: Pick<TargetingRule, 'attribute' | 'operator' | 'value'>): JsonLogic {
  const v: JsonLogic = { var: rule.attribute };
  const list = Array.isArray(rule.value) ? rule.value : [rule.value];
  const value = rule.value as JsonLogic;
  switch (rule.operator) {
    case 'in':
      return { in: [v, list] };
    case 'not_in':
      return { '!': { in: [v, list] } };
    case 'equals':
      return { '==': [v, value] };
    case 'not_equals':
      return { '!=': [v, value] };
    case 'greater_than':
      return { '>': [v, value] };
    case 'greater_than_or_equal':
      return { '>=': [v, value] };
    case 'less_than':
      return { '<': [v, value] };
    case 'less_than_or_equal':
      return { '<=': [v, value] };
    case 'contains':
      return { in: [value, v] };
    case 'starts_with':
      return { starts_with: [v, value] };
    case 'ends_with':
      return { ends_with: [v, value] };
    case 'semver_equals':
      return { sem_ver: [v, '=', value] };
    case 'semver_greater_than':
      return { sem_ver: [v, '>', value] };
    case 'semver_less_than':
      return { sem_ver: [v, '<', value] };
  }
}

/** flagd weights are integers; fractional percentages are scaled so the split stays exact. */
function fractionalWeights(percentage: number): [number, number] {
  if (Number.isInteger(percentage)) return [percentage, 100 - percentage];
  return [Math.round(percentage * 1000), Math.round((100 - percentage) * 1000)];
}

/** The share of the rollout: `on` for `percentage`% of targeting keys, stable per key. */
export function rolloutToJsonLogic(percentage: number): JsonLogic {
  if (percentage <= 0) return 'off';
  if (percentage >= 100) return 'on';
  const [on, off] = fractionalWeights(percentage);
  return {
    fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'targetingKey' }] }, ['on', on], ['off', off]],
  };
}

function variantsFor(config: FeatureFlagConfig): { variants: Record<string, Scalar>; ruleVariant: string[] } {
  const variants: Record<string, Scalar> = { on: config.enabled_value, off: config.default_value };
  const ruleVariant = config.targeting_rules.map((rule, i) => {
    if (rule.return_value === config.enabled_value) return 'on';
    if (rule.return_value === config.default_value) return 'off';
    variants[`rule_${i}`] = rule.return_value;
    return `rule_${i}`;
  });
  return { variants, ruleVariant };
}

/**
 * Targeting rules first (in order, first match wins), then the fractional rollout; when
 * rollout_enabled is false everyone not matched by a rule gets `on`.
 */
export function targetingRulesToJsonLogic(config: FeatureFlagConfig, percentage: number): JsonLogic {
  const { ruleVariant } = variantsFor(config);
  const fallthrough = config.rollout_enabled ? rolloutToJsonLogic(percentage) : 'on';
  if (!config.targeting_enabled || config.targeting_rules.length === 0) return fallthrough;
  const branches: JsonLogic[] = [];
  config.targeting_rules.forEach((rule, i) => {
    branches.push(ruleToJsonLogic(rule), ruleVariant[i] ?? 'on');
  });
  return { if: [...branches, fallthrough] };
}

/** The whole flagd definition for a feature-flag stage at a given rollout percentage. */
export function flagDefinitionFor(config: FeatureFlagConfig, percentage: number): FlagdFlag {
  const { variants } = variantsFor(config);
  const targeting = targetingRulesToJsonLogic(config, percentage);
  // flagd's targeting is a rule object: a bare variant name (0% or 100%, no rules) is said
  // with the default variant instead
  const plain = typeof targeting === 'string';
  return {
    state: 'ENABLED',
    variants,
    defaultVariant: plain ? targeting : 'off',
    ...(plain ? {} : { targeting }),
    metadata: {
      name: config.name ?? config.flag_key,
      description: config.description,
      rolloutPercentage: percentage,
    },
  };
}
