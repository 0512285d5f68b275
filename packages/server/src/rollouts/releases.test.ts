import { parsePlan, startRun } from '@sluice/core/rollouts';
import { describe, expect, it } from 'vitest';
import { releasesOf } from './run.schema.js';
import type { RunRecord } from './run-store.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');

function runOf(id: string, version: string, stages: object[]): RunRecord {
  const plan = parsePlan({ name: `Release ${version}`, version, stages });
  const { state } = startRun(plan, { runId: id, startedBy: 'ci' }, T0);
  return {
    id,
    rollout: 'release',
    environment: 'production',
    rolloutVersion: 1,
    status: state.status,
    plan,
    state,
    seq: 1,
    startedBy: 'ci',
    authority: { kind: 'token', scopes: ['write:production'] },
    startedAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
  };
}

const blueGreen = (app: string, image?: string) => ({
  name: `deploy_${app.replace('-', '_')}`,
  strategy: 'blue_green',
  config: { app_name: app, ...(image ? { image } : {}) },
});

describe('releasesOf', () => {
  it('lists the runs that act on the Service, newest first, with the version each delivers', () => {
    const runs = [
      runOf('r3', '3.0.0', [blueGreen('web-frontend')]),
      runOf('r2', '2.0.0', [blueGreen('api-service', 'registry.local:5000/api:2.1.0')]),
      runOf('r1', '1.0.0', [blueGreen('api-service')]),
    ];
    const releases = releasesOf('api-service', runs, 10);
    expect(releases.map((r) => [r.runId, r.version])).toEqual([
      ['r2', '2.1.0'], // the image tag, as the deploy provider reads it
      ['r1', '1.0.0'], // no image: the plan's version
    ]);
    expect(releases[0]?.stages).toEqual([
      { name: 'deploy_api_service', strategy: 'blue_green', status: 'running', weight: 0 },
    ]);
    expect(releasesOf('api-service', runs, 1).map((r) => r.runId)).toEqual(['r2']);
    expect(releasesOf('checkout', runs, 10)).toEqual([]);
  });
});
