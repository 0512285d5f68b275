/** @vitest-environment happy-dom */
/**
 * The Experiments view against a real Sluice (in-process, SQLite): the list with status, a
 * simulated run whose lost exposures are a sample ratio mismatch (warning, verdict and why,
 * intervals drawn, users so far against needed), and the lifecycle offered to a writer only.
 */
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { simulateRun } from '../../../../core/src/experiments/test-support/simulation';
import { navigate } from '../../router';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../../test-support/server';
import { signInAs as signInWith } from '../../test-support/sign-in';

let sluice: TestServer;

const SPLIT = { control: 50, variant_a: 50 };

async function call(method: string, path: string, body?: unknown) {
  const res = await sluice.fetch(path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

beforeAll(async () => {
  sluice = await startTestServer();
  const spec = {
    name: 'Lost exposures',
    status: 'active',
    traffic_split: SPLIT,
    metrics: { primary: 'conversion_rate' },
    duration_days: 1,
    min_sample_size: 800,
  };
  await call('PUT', '/api/v1/experiments/srm-check?environment=production', { spec });
  await call('PUT', '/api/v1/experiments/not-yet?environment=production', {
    spec: { ...spec, name: 'Not started', status: 'draft' },
  });
  // 3,000 users; a fifth of variant_a's exposures lost, as broken logging would
  const users = simulateRun({
    key: 'srm-check',
    spec: { traffic_split: SPLIT },
    users: 3000,
    days: 1,
    rates: { control: 0.3, variant_a: 0.36 },
    seed: 5,
    lose: { arm: 'variant_a', share: 0.2 },
  });
  const time = new Date().toISOString();
  const events = users.flatMap((u) => [
    ...(u.exposed
      ? [{ id: `e-${u.user}`, user: u.user, name: 'exposure', experiment: 'srm-check', version: u.arm, time }]
      : []),
    ...(u.converted
      ? [{ id: `c-${u.user}`, user: u.user, name: 'conversion', experiment: 'srm-check', time }]
      : []),
  ]);
  for (let i = 0; i < events.length; i += 1000)
    await call('POST', '/api/v1/events?environment=production', { events: events.slice(i, i + 1000) });
}, 60_000);
afterAll(() => sluice.close());
beforeEach(() => {
  sessionStorage.clear();
  navigate('/experiments');
});
afterEach(cleanup);

const signInAs = (token: string) => signInWith(sluice, token);

describe('experiments view', () => {
  it('lists experiments with their status, and shows a mismatched run: warning, verdict, intervals, sample size', async () => {
    const user = await signInAs(ADMIN_TOKEN);
    const table = await screen.findByRole('table', { name: /2 experiments/ });
    const rows = within(table).getAllByRole('row');
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining('Experiment'),
      expect.stringMatching(/not-yet.*draft.*control 50 %, variant_a 50 %/),
      expect.stringMatching(/srm-check.*active.*conversion_rate/),
    ]);
    await user.click(within(table).getByRole('link', { name: 'srm-check' }));
    const warning = await screen.findByRole('alert');
    expect(warning.textContent).toMatch(/Sample ratio mismatch/);
    const verdict = screen.getByRole('region', { name: /Verdict/ });
    expect(verdict.textContent).toMatch(/Verdict: (Keep running|Stop)/);
    expect(verdict.textContent).toMatch(/sample ratio mismatch/);
    // the drawn interval says its numbers in its name
    const interval = screen.getByRole('img', { name: /conversion_rate, variant_a against control: / });
    expect(interval.getAttribute('aria-label')).toMatch(/[+−]\d+\.\d % to [+−]\d+\.\d %, estimate/);
    const progress = screen.getByRole('progressbar', {
      name: /Smallest arm: \d+ of \d+ users needed per arm/,
    });
    const observed = screen.getByRole('table', { name: /observed against the split/ });
    const controlUsers = Number(within(observed).getAllByRole('row')[1]?.children[2]?.textContent);
    const variantUsers = Number(within(observed).getAllByRole('row')[2]?.children[2]?.textContent);
    expect(controlUsers + variantUsers).toBeLessThan(3000);
    expect(variantUsers).toBeLessThan(controlUsers * 0.9);
    expect(Number(progress.getAttribute('value'))).toBe(
      Math.min(variantUsers, Number(progress.getAttribute('max'))),
    );
  });

  it('starts a draft after a confirmation; a read-only token is offered no lifecycle control', async () => {
    const viewer = await sluice.token('viewer', ['read']);
    navigate('/experiments/not-yet');
    let user = await signInAs(viewer);
    await screen.findByRole('heading', { name: /not-yet/ });
    await screen.findByRole('region', { name: /Verdict/ });
    expect(screen.queryByRole('button', { name: /Start not-yet/ })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    cleanup();
    navigate('/experiments/not-yet');
    user = await signInAs(ADMIN_TOKEN);
    await user.click(await screen.findByRole('button', { name: 'Start not-yet' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toMatch(/get their arm and are counted/);
    await user.click(within(dialog).getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() =>
      expect(screen.getByRole('heading', { name: /not-yet/ }).textContent).toMatch(/active/),
    );
    const results = await call('GET', '/api/v1/experiments/not-yet/results?environment=production');
    expect(results.run).toMatchObject({ startedBy: 'admin' });
    expect(screen.getByRole('button', { name: 'Stop not-yet' })).toBeTruthy();
  });
});
