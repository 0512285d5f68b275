/** What a rollout's `set_flag` wrote, kept beside the run (not in the flag, which clients see). */
export interface FlagWrite {
  opId: string;
  runId: string;
  environment: string;
  flag: string;
  /** The version this op wrote. */
  version: number;
  /** The version it replaced; null when the flag did not exist. */
  previousVersion: number | null;
  /** The spec of that version, for a rollback; null when the flag did not exist. */
  previousSpec: unknown;
  at: string;
}

export interface FlagWriteStore {
  /** Records a write; called in the transaction of the write itself. */
  record(write: FlagWrite): Promise<void>;
  /** The write an op made, if it made one. */
  byOp(opId: string): Promise<FlagWrite | null>;
  /** The spec a run's writes found at `version` of the flag (what a rollback puts back). */
  specBefore(
    runId: string,
    environment: string,
    flag: string,
    version: number,
  ): Promise<{ spec: unknown } | null>;
}
