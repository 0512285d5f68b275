/**
 * The authority a rollout run acts with (SECURITY.md, "Runs carry their starter's authority";
 * issue 13, H3). A run records its starter's scopes when it starts (migration 013) and every
 * write a stage makes — flags, traffic and deploys of a Service, experiments — is checked with
 * them through the central write rule (`authority/write-needs.ts`): refused at start when the
 * plan shows it, at execution otherwise (the stage fails with the reason). Emergency mode in an
 * environment refuses a run's forward writes there, whoever started it; a rollback's writes
 * (putting back what stood before) still go through.
 */
import { Forbidden, isSluiceError } from '@sluice/core';
import { scopeSchema } from '@sluice/core/auth';
import type { Command, Plan, RunState } from '@sluice/core/rollouts';
import { z } from 'zod';
import { assertMayWrite, type EnvironmentReach, type WriteRule } from '../authority/write-needs.js';
import type { Actor } from '../resources/resources.service.js';
import type { RunContext } from './command-handler.js';

export const runAuthoritySchema = z
  .object({
    /**
     * `token`: the scopes of the token that started the run; `system`: a part of Sluice that
     * started it (GitOps: `write` in its source's environments);
     * `legacy`: a run stored before authority was recorded, kept to its own environment.
     */
    kind: z.enum(['token', 'system', 'legacy']),
    scopes: z.array(scopeSchema).max(64),
  })
  .strict();
export type RunAuthority = z.infer<typeof runAuthoritySchema>;

export const tokenAuthority = (scopes: readonly string[]): RunAuthority => ({
  kind: 'token',
  scopes: [...scopes],
});
export const systemAuthority = (scopes: readonly string[]): RunAuthority => ({
  kind: 'system',
  scopes: [...scopes],
});
/** What a run stored without authority may do: write its own environment (what its start proved). */
export const legacyAuthority = (environment: string): RunAuthority => ({
  kind: 'legacy',
  scopes: [`write:${environment}`],
});

/** The stored column; anything unreadable (a writer older than migration 013) is `legacy`. */
export function readAuthority(stored: string | null, environment: string): RunAuthority {
  if (stored === null) return legacyAuthority(environment);
  try {
    const parsed = runAuthoritySchema.safeParse(JSON.parse(stored));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: fall through
  }
  return legacyAuthority(environment);
}

/** What a run's handlers write with: the run as actor, its starter's scopes. */
export function runActor(run: RunContext): Actor {
  return {
    subject: `rollout:${run.runId}`,
    requestId: null,
    scopes: run.authority.scopes,
    ...(run.restoring ? { restoring: true } : {}),
  };
}

/** Whether the op restores what stood before: the machine emitted it for a rollback. */
export function isRestoring(state: RunState, opId: string): boolean {
  return state.pending[opId]?.owner === 'rollback';
}

type WrittenKind = 'Flag' | 'Service' | 'Experiment';

/** A write a plan's stage makes, known from the plan alone. */
export interface PlanWrite {
  stage: string;
  kind: WrittenKind;
  environment: string;
  name: string;
  /** Where the plan says so: `stages[0].config.environment`. */
  path: string;
}

/** The writes of a plan run in `environment`: a feature_flag stage may name another environment. */
export function planWrites(plan: Plan, environment: string): PlanWrite[] {
  const out: PlanWrite[] = [];
  plan.stages.forEach((stage, i) => {
    const c = stage.config as {
      flag_key?: string;
      environment?: string;
      experiment?: string;
      app_name?: unknown;
    };
    const at = (field: string) => `stages[${i}].config.${field}`;
    if (stage.strategy === 'feature_flag' && c.flag_key) {
      const elsewhere = c.environment !== undefined && c.environment !== environment;
      out.push({
        stage: stage.name,
        kind: 'Flag',
        environment: c.environment ?? environment,
        name: c.flag_key,
        path: at(elsewhere ? 'environment' : 'flag_key'),
      });
    }
    if (stage.strategy === 'ab_test' && c.experiment)
      out.push({
        stage: stage.name,
        kind: 'Experiment',
        environment,
        name: c.experiment,
        path: at('experiment'),
      });
    if (typeof c.app_name === 'string')
      out.push({ stage: stage.name, kind: 'Service', environment, name: c.app_name, path: at('app_name') });
  });
  return out;
}

/** The Rollout kind's `environmentReach`: the stages that write outside the plan's environment. */
export function planReach(plan: Plan, environment: string | null): EnvironmentReach[] {
  if (environment === null) return [];
  return planWrites(plan, environment)
    .filter((w) => w.environment !== environment)
    .map((w) => ({
      path: w.path,
      environment: w.environment,
      what: `stage "${w.stage}" writes ${w.kind.toLowerCase()} "${w.name}"`,
      value: plan.stages.find((s) => s.name === w.stage),
    }));
}

/** What a command writes when it runs, and the plan field that decided where. */
export function commandWrites(
  command: Command,
  environment: string,
): { kind: WrittenKind; environment: string; name: string; field: string }[] {
  switch (command.kind) {
    case 'set_flag':
    case 'restore_flag':
      return [
        {
          kind: 'Flag',
          environment: command.environment ?? environment,
          name: command.flagKey,
          field: command.environment !== undefined ? 'config.environment' : 'config.flag_key',
        },
      ];
    case 'experiment':
      if (command.action === 'verdict') return [];
      return [
        {
          kind: 'Experiment',
          environment: command.environment ?? environment,
          name: command.experiment,
          field: 'config.experiment',
        },
      ];
    case 'deploy':
    case 'set_traffic':
    case 'retire':
      return [{ kind: 'Service', environment, name: command.app, field: 'config.app_name' }];
    default:
      return [];
  }
}

/** The refusals of one write under `scopes`, by the central rule (null: allowed). */
function refusal(
  scopes: readonly string[],
  rule: WriteRule,
  write: { environment: string; name: string },
): string | null {
  try {
    assertMayWrite(scopes, { kind: rule.kind, writeScope: rule.writeScope }, { ...write, spec: null });
    return null;
  } catch (error) {
    if (isSluiceError(error, 'FORBIDDEN')) return error.detail;
    throw error;
  }
}

export interface AuthorityDeps {
  /** The write rule of a kind (its `KindDefinition`). */
  rule(kind: WrittenKind): WriteRule;
  emergency(environment: string): { reason: string | null } | null;
}

/**
 * At start: throws FORBIDDEN, naming each stage's field, unless the starter's scopes cover every
 * write the plan makes. (Emergency mode is the start's own refusal, see RolloutsService.)
 */
export function assertMayStart(
  deps: Pick<AuthorityDeps, 'rule'>,
  plan: Plan,
  environment: string,
  authority: RunAuthority,
): void {
  const fields: { path: string; message: string }[] = [];
  for (const w of planWrites(plan, environment)) {
    const refused = refusal(authority.scopes, deps.rule(w.kind), w);
    if (refused) fields.push({ path: `spec.${w.path}`, message: `stage "${w.stage}": ${refused}` });
  }
  if (fields.length)
    throw Forbidden(
      `the run would write where its starter may not (a run acts with its starter's scopes): ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
      { fields },
    );
}

/**
 * Before a command runs: why the run may not make its writes, or null. A refusal becomes the
 * command's failed outcome, so the stage fails with it (and rolls back) instead of acting.
 */
export function runWriteRefusal(deps: AuthorityDeps, command: Command, run: RunContext): string | null {
  const stage = command.stage === null ? 'the run' : `stage "${command.stage}"`;
  for (const w of commandWrites(command, run.environment)) {
    const refused = refusal(run.authority.scopes, deps.rule(w.kind), w);
    if (refused)
      return `${stage} (${w.field}): ${refused}; a run writes with its starter's scopes (${run.authority.kind})`;
    const emergency = deps.emergency(w.environment);
    if (emergency && !run.restoring)
      return `${stage} (${w.field}): environment "${w.environment}" is in emergency mode (${emergency.reason ?? 'no reason given'}); a run's forward writes there are refused until it is cleared, its rollback still goes through`;
  }
  return null;
}
