import type { Command, CommandKind, CommandOf } from '@sluice/core/rollouts';
import type { RunAuthority } from './run-authority.js';

/** The run a command belongs to, as handlers need it. */
export interface RunContext {
  runId: string;
  rollout: string;
  environment: string;
  startedBy: string;
  /** The starter's scopes, recorded at start: every write the run makes is checked with them. */
  authority: RunAuthority;
  /** This command belongs to a rollback (it puts back what stood before; emergency lets it through). */
  restoring?: boolean;
}

/** What a command came to: the data the state machine expects back (see the core README). */
export interface CommandOutcome {
  ok: boolean;
  data?: Record<string, unknown>;
  error?: string;
}

/**
 * Applies one kind of command against the world (deploy, traffic, flags, metrics). Handlers are
 * idempotent by `command.opId`: after a crash the runtime may call one again with the same op id,
 * and it must not act twice. A failure is an outcome with `ok: false`, not an exception.
 */
export type CommandHandler<K extends CommandKind = CommandKind> = (
  command: CommandOf<K>,
  run: RunContext,
) => Promise<CommandOutcome>;

export type CommandHandlers = { [K in CommandKind]?: CommandHandler<K> };

/** Kinds the runtime settles itself, inside the event's transaction. */
export const RUNTIME_KINDS: ReadonlySet<Command['kind']> = new Set([
  'schedule_timer',
  'cancel_timer',
  'notify',
]);
