/** Kill switches: a layer above a flag's own state, kept apart so applying files never undoes one. */
export interface FlagKill {
  environment: string;
  flag: string;
  reason: string;
  killedBy: string;
  killedAt: string;
}

export interface KillStore {
  list(environment: string): Promise<FlagKill[]>;
  /** False when the flag was already killed. */
  kill(kill: FlagKill): Promise<boolean>;
  /** The kill that was lifted, or null. */
  unkill(environment: string, flag: string): Promise<FlagKill | null>;
}
