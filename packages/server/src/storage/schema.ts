/**
 * The database's tables as Kysely sees them. Times are ISO-8601 strings in UTC and JSON columns
 * are text, so the same rows round-trip identically on SQLite and PostgreSQL.
 */
import type { ColumnType, Generated } from 'kysely';

export interface ResourceTable {
  kind: string;
  /** '' for kinds without an environment, so the unique key needs no NULL handling. */
  environment: string;
  name: string;
  spec: string;
  version: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

export interface AuditTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  kind: string;
  environment: string;
  name: string;
  before: string | null;
  after: string | null;
  request_id: string | null;
}

export interface TokenTable {
  id: string;
  hash: string;
  subject: string;
  scopes: string;
  roles: string;
  description: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface FlagKillTable {
  environment: string;
  flag: string;
  reason: string;
  killed_by: string;
  killed_at: string;
}

export interface EmergencyTable {
  environment: string;
  reason: string;
  started_by: string;
  started_at: string;
}

export interface FlagGenerationTable {
  environment: string;
  generation: number;
}

export interface FlagScheduleTable {
  id: string;
  environment: string;
  flag: string;
  /** When to run (ISO, UTC). */
  at: string;
  /** The change, JSON. */
  change: string;
  status: string;
  created_at: string;
  created_by: string;
  finished_at: string | null;
  /** Why it failed or was cancelled. */
  reason: string | null;
  applied_version: number | null;
}

export interface FlagEvaluationTable {
  environment: string;
  flag: string;
  variant: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** bigint: PostgreSQL returns it as a string; read with Number(). */
  count: number | string;
  last_at: string;
}

/** A business event (`POST /api/v1/events`); `time` is the sender's, normalised to ISO UTC. */
export interface EventTable {
  id: string;
  environment: string;
  version: string;
  name: string;
  user_key: string;
  time: string;
  /** The event's `value`, when it has one (null: none, or stored before migration 019). */
  value: ColumnType<number | null, number | null | undefined, number | null>;
  received_at: string;
  /** The subject of the token that sent it. */
  sent_by: string;
}

/** Who started, stopped and concluded an experiment, and when (ISO). */
export interface ExperimentRunTable {
  environment: string;
  experiment: string;
  started_at: string | null;
  started_by: string | null;
  stopped_at: string | null;
  stopped_by: string | null;
  concluded_at: string | null;
  concluded_by: string | null;
}

/** One user of one experiment: the arm of the first exposure (null before it), event tallies (JSON). */
export interface ExperimentUserTable {
  environment: string;
  experiment: string;
  user_key: string;
  arm: string | null;
  exposed_at: string | null;
  events: string;
  /** JSON tallies of the CUPED pre-period; null when not read. */
  pre_events: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Per-arm sums over the exposed users (JSON), updated at ingest. */
export interface ExperimentArmTable {
  environment: string;
  experiment: string;
  arm: string;
  users: number;
  sums: string;
  updated_at: string;
}

/** How far an experiment has read its MetricSource (ISO time of the last row counted). */
export interface ExperimentSourceTable {
  environment: string;
  experiment: string;
  watermark: string;
}

export interface RolloutRunTable {
  id: string;
  rollout: string;
  environment: string;
  rollout_version: number;
  status: string;
  plan: string;
  state: string;
  seq: number;
  started_by: string;
  started_at: string;
  updated_at: string;
  /** JSON `{kind, scopes}` (migration 013); null only from a writer older than it. */
  authority: string | null;
}

export interface RolloutEventTable {
  run_id: string;
  seq: number;
  at: number;
  actor: string;
  event: string;
  transitions: string;
}

export interface RolloutOpTable {
  op_id: string;
  run_id: string;
  seq: number;
  command: string;
  status: string;
  result: string | null;
  updated_at: string;
}

export interface RolloutFlagWriteTable {
  op_id: string;
  run_id: string;
  environment: string;
  flag: string;
  version: number;
  previous_version: number | null;
  previous_spec: string | null;
  at: string;
}

export interface RolloutTimerTable {
  run_id: string;
  timer_id: string;
  due_at: number;
  purpose: string;
}

export interface RolloutLockTable {
  resource: string;
  run_id: string;
}

export interface NotificationOutboxTable {
  key: string;
  notifier: string;
  event: string;
  environment: string;
  payload: string;
  status: string;
  attempts: number;
  next_at: string;
  claimed_until: string | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface GitSyncTable {
  source: string;
  status: string;
  commit: string | null;
  committed_at: string | null;
  attempted_commit: string | null;
  error: string | null;
  drift: string | null;
  synced_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
}

export interface GitAppliedTable {
  kind: string;
  environment: string;
  name: string;
  version: number;
  source: string;
  commit: string;
  committed_at: string;
  applied_at: string;
}

export interface ReleaseTable {
  run_id: string;
  rollout: string;
  environment: string;
  rollout_version: number;
  plan: string;
  version: string;
  services: string;
  status: string;
  started_by: string;
  approved_by: string;
  started_at: string;
  full_at: string | null;
  ended_at: string | null;
  rollback_reason: string | null;
}

export interface Database {
  sluice_resource: ResourceTable;
  sluice_audit: AuditTable;
  sluice_token: TokenTable;
  sluice_flag_kill: FlagKillTable;
  sluice_emergency: EmergencyTable;
  sluice_flag_generation: FlagGenerationTable;
  sluice_flag_schedule: FlagScheduleTable;
  sluice_flag_evaluation: FlagEvaluationTable;
  sluice_event: EventTable;
  sluice_install: { id: string; created_at: string };
  sluice_experiment_run: ExperimentRunTable;
  sluice_experiment_user: ExperimentUserTable;
  sluice_experiment_arm: ExperimentArmTable;
  sluice_experiment_source: ExperimentSourceTable;
  sluice_rollout_run: RolloutRunTable;
  sluice_rollout_event: RolloutEventTable;
  sluice_rollout_op: RolloutOpTable;
  sluice_rollout_timer: RolloutTimerTable;
  sluice_rollout_flag_write: RolloutFlagWriteTable;
  sluice_rollout_lock: RolloutLockTable;
  sluice_notification_outbox: NotificationOutboxTable;
  sluice_git_sync: GitSyncTable;
  sluice_git_applied: GitAppliedTable;
  sluice_release: ReleaseTable;
}
