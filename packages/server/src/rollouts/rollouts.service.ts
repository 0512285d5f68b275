/** Starting runs of stored plans, controlling them, reading them back. */
import { defineError, NotFound, ValidationFailed } from '@sluice/core';
import {
  type ExplainEntry,
  explainRun,
  type FlaggerCanarySpec,
  type LoadTest,
  type Plan,
  parsePlan,
  type RolloutEventInput,
  translateCanary,
} from '@sluice/core/rollouts';
import type { EmergencyService } from '../flags/emergency/emergency.service.js';
import type { Principal } from '../http/route.js';
import type { KindRegistry } from '../resources/registry.js';
import type { ResourceService } from '../resources/resources.service.js';
import { routeOwner } from '../routing/route.kind.js';
import type { ServiceSpec } from '../services/service.schema.js';
import type { Executor } from '../storage/index.js';
import type { LoadTests } from './load-tests.js';
import { servicesOf } from './rollout.kind.js';
import {
  type ControlVerb,
  type Release,
  type RunSummary,
  releasesOf,
  type StartOptions,
  summarise,
} from './run.schema.js';
import {
  type AuthorityDeps,
  assertMayStart,
  planWrites,
  systemAuthority,
  tokenAuthority,
} from './run-authority.js';
import { createRunStore } from './run-store.kysely.js';
import type { RolloutRuntime } from './runtime.js';

const RELEASE_SCAN = 2000;

export const RolloutRefused = defineError('ROLLOUT_START_REFUSED', 409, 'The rollout cannot start');
export const RolloutEventIgnored = defineError('ROLLOUT_EVENT_IGNORED', 409, 'The run did not act on this');

/**
 * Who starts a run: a token's subject and scopes (a Principal is one), or a part of Sluice
 * (`system: true`: GitOps, with `write` in its source's environments).
 */
export interface RunStarter {
  subject: string;
  scopes: readonly string[];
  system?: boolean;
}

export class RolloutsService {
  constructor(
    private readonly deps: {
      db: Executor;
      resources: ResourceService;
      registry: KindRegistry;
      runtime: RolloutRuntime;
      emergency: EmergencyService;
      /** Runs Flagger load tests for Canary runs (absent: they are not run). */
      loadTests?: LoadTests;
      authority: Pick<AuthorityDeps, 'rule'>;
      logError?: (message: string, error: unknown) => void;
    },
  ) {
    // an emergency stop rolls back every running rollout in that environment, and every one
    // writing there from another environment (a feature_flag stage's config.environment)
    deps.emergency.onChange((state) => {
      if (!state.active) return;
      const touches = (run: { environment: string; plan: unknown }) =>
        run.environment === state.environment ||
        planWrites(run.plan as Plan, run.environment).some((w) => w.environment === state.environment);
      void createRunStore(deps.db)
        .listRuns({ active: true, limit: 10_000 })
        .then((all) => all.filter(touches))
        .then((runs) =>
          Promise.all(
            runs.map((r) =>
              deps.runtime
                .send(
                  r.id,
                  { type: 'emergency', reason: state.reason ?? 'emergency stop' },
                  state.startedBy ?? 'emergency',
                )
                .catch((error) => deps.logError?.(`emergency: run ${r.id} was not stopped`, error)),
            ),
          ),
        )
        .catch((error) => deps.logError?.('emergency: the running rollouts could not be listed', error));
    });
  }

  async start(
    environment: string,
    name: string,
    starter: RunStarter,
    options: StartOptions = {},
  ): Promise<RunSummary> {
    const emergency = this.deps.emergency.status(environment);
    if (emergency)
      throw RolloutRefused(
        `environment "${environment}" is in emergency mode (${emergency.reason}); no rollout starts until it is cleared`,
      );
    const { resource, plan, loadTests } = await this.planOf(environment, name, options.version);
    const writes = planWrites(plan, environment);
    const authority = starter.system ? systemAuthority(starter.scopes) : tokenAuthority(starter.scopes);
    // what the plan shows is refused now, not at the stage: the starter's scopes must cover it
    assertMayStart(this.deps.authority, plan, environment, authority);
    for (const w of writes) {
      const elsewhere = this.deps.emergency.status(w.environment);
      if (elsewhere)
        throw RolloutRefused(
          `stage "${w.stage}" writes ${w.kind.toLowerCase()} "${w.name}" in environment "${w.environment}", which is in emergency mode (${elsewhere.reason}); no rollout writes there until it is cleared`,
          {
            fields: [
              { path: `spec.${w.path}`, message: `environment "${w.environment}" is in emergency mode` },
            ],
          },
        );
    }
    const services = servicesOf(plan);
    const missing: string[] = [];
    for (const s of services)
      if (!(await this.deps.resources.find(this.deps.registry.get('Service'), environment, s)))
        missing.push(s);
    if (missing.length) {
      throw ValidationFailed(
        `the plan names Services that do not exist in ${environment}: ${missing.join(', ')}`,
        {
          fields: missing.map((s) => ({
            path: `spec.stages[?].config.app_name`,
            message: `Service "${s}" does not exist in ${environment}`,
          })),
        },
      );
    }
    const run = await this.deps.runtime.start({
      rollout: name,
      environment,
      rolloutVersion: resource.metadata.version,
      plan,
      startedBy: starter.subject,
      authority,
      ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
      // a flag is locked where the stage writes it (config.environment may name another)
      locks: [
        ...services.map((s) => `service:${environment}/${s}`),
        ...writes.filter((w) => w.kind === 'Flag').map((w) => `flag:${w.environment}/${w.name}`),
      ],
    });
    if (loadTests.length) this.deps.loadTests?.start(run.id, loadTests);
    return summarise(run);
  }

  /**
   * The plan a start runs: the Rollout of that name, else the Flagger Canary of that name
   * translated (`version` is then required: a Canary names no version of its own).
   */
  private async planOf(environment: string, name: string, version: string | undefined) {
    const rollout = await this.deps.resources.find(this.deps.registry.get('Rollout'), environment, name);
    if (rollout) {
      const plan = rollout.spec as Plan;
      return { resource: rollout, plan: version ? { ...plan, version } : plan, loadTests: [] };
    }
    const canary = await this.deps.resources.find(this.deps.registry.get('Canary'), environment, name);
    if (!canary) throw NotFound(`no Rollout or Canary "${name}" in environment "${environment}"`);
    if (!version)
      throw ValidationFailed(`Canary "${name}" names no version: say which to deliver (--version)`, {
        fields: [{ path: 'body.version', message: 'required to start a Canary' }],
      });
    const t = translateCanary(name, canary.spec as FlaggerCanarySpec, version);
    const { own, foreign } = await this.ownLoadTests(
      environment,
      canary.spec as FlaggerCanarySpec,
      t.loadTests,
    );
    if (foreign.length)
      throw RolloutRefused(
        `Canary "${name}": ${foreign.map((f) => `load test "${f.test.webhook}" targets ${f.test.host}, ${f.why}`).join('; ')}; a load test goes only to the target Service's own route`,
        {
          fields: foreign.map((f) => ({
            path: 'spec.analysis.webhooks',
            message: `${f.test.webhook}: ${f.why}`,
          })),
        },
      );
    return { resource: canary, plan: parsePlan(t.plan), loadTests: own };
  }

  /**
   * A Canary's load tests may load only its target Service's own route: the host of the Route it
   * drives (owned by this environment), or, before that Route exists, the host the Service gives
   * it. `service.hosts` alone is the writer's word and proves nothing (SECURITY.md, Ownership).
   */
  private async ownLoadTests(environment: string, spec: FlaggerCanarySpec, tests: readonly LoadTest[]) {
    const own: LoadTest[] = [];
    const foreign: { test: LoadTest; why: string }[] = [];
    if (!tests.length) return { own, foreign };
    const service = await this.deps.resources.find(
      this.deps.registry.get('Service'),
      environment,
      spec.targetRef.name,
    );
    let host: string | undefined;
    let why = `Service ${spec.targetRef.name} does not exist in ${environment}`;
    if (service) {
      const traffic = (service.spec as ServiceSpec).traffic.route;
      const routeName = traffic.name ?? spec.targetRef.name;
      const route = await this.deps.resources.find(this.deps.registry.get('Route'), null, routeName);
      if (route && routeOwner(route.spec) !== environment)
        why = `Route ${routeName} does not belong to ${environment}`;
      else {
        host = ((route?.spec as { host?: string } | undefined)?.host ?? traffic.host)?.toLowerCase();
        why = host ? `not ${host}, the host of Route ${routeName}` : `Route ${routeName} names no host`;
      }
    }
    for (const test of tests) {
      if (host !== undefined && test.host === host) own.push(test);
      else foreign.push({ test, why });
    }
    return { own, foreign };
  }

  /** Starts again the load tests of a live Canary run (after a restart). */
  async resumeLoadTests(run: { id: string; environment: string; rollout: string; plan: unknown }) {
    if (!this.deps.loadTests) return;
    const rollout = await this.deps.resources.find(
      this.deps.registry.get('Rollout'),
      run.environment,
      run.rollout,
    );
    if (rollout) return;
    const canary = await this.deps.resources.find(
      this.deps.registry.get('Canary'),
      run.environment,
      run.rollout,
    );
    if (!canary) return;
    const version = (run.plan as Plan).version;
    const t = translateCanary(run.rollout, canary.spec as FlaggerCanarySpec, version);
    const { own } = await this.ownLoadTests(run.environment, canary.spec as FlaggerCanarySpec, t.loadTests);
    if (own.length) this.deps.loadTests.start(run.id, own);
  }

  async control(runId: string, verb: ControlVerb, body: Record<string, unknown>, principal: Principal) {
    const subject = principal.subject;
    const event: RolloutEventInput =
      verb === 'approve'
        ? {
            type: 'approve',
            stage: body.stage as string,
            subject,
            roles: principal.roles,
            ...(body.comment ? { comment: body.comment as string } : {}),
          }
        : verb === 'reject'
          ? { type: 'reject', stage: body.stage as string, subject, reason: body.reason as string }
          : verb === 'retry'
            ? { type: 'retry', stage: body.stage as string, subject }
            : verb === 'promote'
              ? { type: 'promote', subject, ...(body.stage ? { stage: body.stage as string } : {}) }
              : verb === 'pause'
                ? { type: 'pause', subject, ...(body.reason ? { reason: body.reason as string } : {}) }
                : verb === 'abort'
                  ? { type: 'abort', subject, ...(body.reason ? { reason: body.reason as string } : {}) }
                  : { type: 'resume', subject };
    const result = await this.deps.runtime.send(runId, event, subject);
    if (!result) throw RolloutEventIgnored(`run ${runId} did not take ${verb}`);
    if (result.transitions.length === 0 && result.commands.length === 0 && result.notes.length) {
      throw RolloutEventIgnored(result.notes.join('; '), { extensions: { notes: result.notes } });
    }
    return { run: await this.get(runId), notes: result.notes };
  }

  async get(runId: string): Promise<RunSummary> {
    const run = await createRunStore(this.deps.db).getRun(runId);
    if (!run) throw NotFound(`rollout run "${runId}" does not exist`);
    return summarise(run);
  }

  /** A run id, or the newest run of a rollout by that name. */
  async resolve(idOrRollout: string, environment: string): Promise<string> {
    const store = createRunStore(this.deps.db);
    if (await store.getRun(idOrRollout)) return idOrRollout;
    const [latest] = await store.listRuns({ environment, rollout: idOrRollout, limit: 1 });
    if (!latest)
      throw NotFound(`no run "${idOrRollout}", and rollout "${idOrRollout}" has no runs in ${environment}`);
    return latest.id;
  }

  async list(filter: {
    environment?: string;
    rollout?: string;
    active?: boolean;
    limit: number;
  }): Promise<RunSummary[]> {
    return (await createRunStore(this.deps.db).listRuns(filter)).map(summarise);
  }

  /** Every run that delivered a version of `service` in `environment`, newest first. */
  async releases(environment: string, service: string, limit: number): Promise<Release[]> {
    // runs hold their own plan; the newest RELEASE_SCAN runs of the environment are looked at
    const runs = await createRunStore(this.deps.db).listRuns({ environment, limit: RELEASE_SCAN });
    return releasesOf(service, runs, limit);
  }

  /** Why the run did what it did, one plain sentence per step, from its stored history. */
  async explain(runId: string): Promise<string[]> {
    await this.get(runId);
    const events = await createRunStore(this.deps.db).events(runId);
    return explainRun(
      events.map((e) => ({
        at: e.at,
        event: e.event as ExplainEntry['event'],
        transitions: e.transitions as ExplainEntry['transitions'],
      })),
    );
  }

  async history(runId: string) {
    await this.get(runId);
    return (await createRunStore(this.deps.db).events(runId)).map((e) => ({
      seq: e.seq,
      at: new Date(e.at).toISOString(),
      actor: e.actor,
      event: e.event,
      transitions: e.transitions,
    }));
  }
}
