/**
 * The `Sluice-Emergency` response header, said the same way by every listener that answers for
 * an environment in emergency mode (the API, OFREP on both paths and its change stream, the
 * feature API): `Sluice-Emergency: active; environment=production`.
 */
export const EMERGENCY_HEADER = 'sluice-emergency';

/** The header's value for an environment's emergency state; undefined when there is none. */
export function emergencyHeaderValue(state: { environment: string } | null | undefined): string | undefined {
  return state ? `active; environment=${state.environment}` : undefined;
}
