/** @vitest-environment happy-dom */
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionProvider } from '../../session';
import { RunControls } from './RunControls';
import { Checks } from './StagePanel';
import type { Run } from './types';

const run: Run = {
  id: 'r1',
  rollout: 'multi-stage-feature-release',
  environment: 'production',
  rolloutVersion: 1,
  status: 'running',
  reason: null,
  startedBy: 'ci',
  startedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:01:00.000Z',
  endedAt: null,
  timeScale: 1,
  guard: null,
  waitingFor: ['enable_feature_flag: approval from product_manager, engineering_lead'],
  stages: [
    {
      name: 'enable_feature_flag',
      strategy: 'feature_flag',
      status: 'waiting',
      weight: 0,
      attempt: 1,
      dependencies: [],
      waitingFor: 'approval from product_manager, engineering_lead',
      error: null,
      startedAt: '2026-01-01T00:00:30.000Z',
      completedAt: null,
      checks: [],
      checkedAt: null,
      checkDeadline: null,
    },
  ],
};

function renderAs(subject: string, scopes: string[], roles: string[] = []) {
  // no call leaves the component unless a control is confirmed
  const refuse = (async () => {
    throw new Error('no call expected');
  }) as unknown as typeof fetch;
  return render(
    <SessionProvider
      token="t"
      identity={{ subject, scopes, roles }}
      environments={['production']}
      onSignOut={() => {}}
      fetchImpl={refuse}
    >
      <RunControls run={run} onDone={() => {}} />
    </SessionProvider>,
  );
}

afterEach(cleanup);

describe('run controls', () => {
  it('shows the gate, the roles it waits for and the approver’s own, and confirms before approving', async () => {
    renderAs('pat', ['write:production'], ['product_manager']);
    expect(screen.getByText(/waits for approval from/).textContent).toMatch(
      /product_manager, engineering_lead.*You are pat \(product_manager\)/,
    );
    await userEvent.setup().click(screen.getByRole('button', { name: 'Approve enable_feature_flag' }));
    const dialog = screen.getByRole('dialog', { name: 'Approve enable_feature_flag?' });
    expect(within(dialog).getByLabelText('Comment (optional)')).toBeTruthy();
  });

  it('asks a reason before a rejection', async () => {
    renderAs('pat', ['write'], ['product_manager']);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Reject enable_feature_flag' }));
    const confirm = within(screen.getByRole('dialog')).getByRole('button', { name: 'Reject' });
    expect((confirm as HTMLButtonElement).disabled).toBe(true);
    await userEvent.setup().type(screen.getByLabelText('Reason (required)'), 'checkout errors');
    expect((confirm as HTMLButtonElement).disabled).toBe(false);
  });

  it('tells the starter someone else must approve', () => {
    renderAs('ci', ['write']);
    expect(screen.queryByRole('button', { name: /Approve/ })).toBeNull();
    expect(screen.getByText(/someone else must approve/)).toBeTruthy();
  });

  it('offers nothing to a token that may not write in the run’s environment', () => {
    renderAs('dev', ['write:development', 'read']);
    expect(screen.queryAllByRole('button')).toHaveLength(0);
  });
});

describe('analysis checks', () => {
  it('says so when a stage has none yet', () => {
    render(<Checks checks={[]} />);
    expect(screen.getByText('No checks yet.')).toBeTruthy();
  });

  it('shows value, threshold, samples, window, verdict and the reason of each check', () => {
    render(
      <Checks
        checks={[
          {
            metric: 'error_rate',
            query: 'router: web-frontend 2.0.0',
            window: '5m',
            value: 2.5,
            unit: '%',
            reason: '2.5 % is above 1 %',
            threshold: { max: 1 },
            samples: 400,
            minSamples: 20,
            verdict: 'fail',
            nextAt: null,
          },
          {
            metric: 'latency_p95',
            query: null,
            window: '30s',
            value: null,
            unit: 's',
            reason: 'too few requests: 3, need 20',
            threshold: { max: 0.5 },
            samples: 3,
            minSamples: 20,
            verdict: 'inconclusive',
            nextAt: '2026-01-01T00:02:00.000Z',
          },
        ]}
      />,
    );
    const rows = screen.getAllByRole('row');
    expect(rows[1]?.textContent).toMatch(/error_rate2\.5 %≤ 1 %400 \/ 205mfail2\.5 % is above 1 %/);
    expect(rows[2]?.textContent).toMatch(
      /latency_p95—≤ 0\.5 s3 \/ 2030sinconclusivetoo few requests.*next check/,
    );
  });
});
