import type { EmergencyState } from './emergency.schema.js';

/** Which environments are in emergency mode. */
export interface EmergencyStore {
  /** Active emergencies only. */
  list(): Promise<EmergencyState[]>;
  /** True when the environment was not already in emergency. */
  start(state: {
    environment: string;
    reason: string;
    startedBy: string;
    startedAt: string;
  }): Promise<boolean>;
  /** The state that was cleared, or null if none was active. */
  clear(environment: string): Promise<EmergencyState | null>;
}
