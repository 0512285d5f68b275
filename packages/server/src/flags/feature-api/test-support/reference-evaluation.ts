// biome-ignore-all lint: the seed's code, kept as written
/**
 * The seed's own evaluation (phase4-advanced-deployment.md §3.1), copied unchanged apart from
 * types, as the reference the compatibility tests compare Sluice with.
 */
export function evaluateFlag(config: any, context: { userId?: string; environment?: string }) {
  // Environment-based rules
  if (config.environments && !config.environments.includes(context.environment)) {
    return false;
  }

  // User-based rules
  if (config.userWhitelist && config.userWhitelist.includes(context.userId)) {
    return true;
  }

  // Percentage rollout
  if (config.percentage) {
    const hash = simpleHash(context.userId || 'anonymous');
    return hash % 100 < config.percentage;
  }

  return config.enabled || false;
}

function simpleHash(str: string) {
  let hash = 0;
  for (let i = 0; i < str.length; i++) {
    const char = str.charCodeAt(i);
    hash = (hash << 5) - hash + char;
    hash = hash & hash; // Convert to 32bit integer
  }
  return Math.abs(hash);
}
