/** @vitest-environment happy-dom */
/**
 * The dashboard against a real Sluice (in-process, SQLite): sign-in, what a token's scopes
 * offer, and a flag edited through the form, reviewed as a diff, saved and seen in its history.
 */
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { navigate } from './router';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './test-support/server';
import { signInAs as signInWith } from './test-support/sign-in';

let sluice: TestServer;

beforeAll(async () => {
  sluice = await startTestServer();
  const res = await sluice.fetch('/api/v1/flags/new-checkout?environment=production', {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      spec: {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        safeVariant: 'off',
        tags: ['checkout'],
        targeting: {
          fractional: [
            ['on', 25],
            ['off', 75],
          ],
        },
      },
    }),
  });
  expect(res.status).toBe(201);
});
afterAll(() => sluice.close());
beforeEach(() => {
  sessionStorage.clear();
  navigate('/flags');
});
afterEach(cleanup);

const signInAs = (token: string) => signInWith(sluice, token);

describe('dashboard', () => {
  it('refuses an unknown token with the server’s words and keeps nothing', async () => {
    await signInAs('not-a-real-token-at-all');
    expect((await screen.findByRole('alert')).textContent).toMatch(/unknown, revoked or expired/);
    expect(sessionStorage.getItem('sluice.token')).toBeNull();
  });

  it('offers a read-only token no write control', async () => {
    const token = await sluice.token('viewer', ['read']);
    await signInAs(token);
    await screen.findByRole('link', { name: 'new-checkout' });
    expect(screen.getByText(/viewer \(read-only\)/)).toBeTruthy();
    await userEvent.setup().click(screen.getByRole('link', { name: 'new-checkout' }));
    await screen.findByRole('heading', { name: /new-checkout/ });
    expect(screen.queryByRole('button', { name: /Review and save/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /Kill switch/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /Restore/ })).toBeNull();
    // the token is in session storage, never in the address
    expect(sessionStorage.getItem('sluice.token')).toBe(token);
    expect(location.href).not.toContain(token);
  });

  it('moves a fractional weight with a slider, shows the diff, saves and lists the change', async () => {
    const user = await signInAs(ADMIN_TOKEN);
    await user.click(await screen.findByRole('link', { name: 'new-checkout' }));
    const slider = await screen.findByRole('slider', { name: 'Weight of on' });
    // a range input takes its value from a change event
    const { fireEvent } = await import('@testing-library/react');
    fireEvent.change(slider, { target: { value: '60' } });
    expect((screen.getByRole('slider', { name: 'Weight of off' }) as HTMLInputElement).value).toBe('40');
    await user.click(screen.getByRole('button', { name: 'Review and save' }));
    const dialog = await screen.findByRole('dialog');
    const diff = within(dialog).getByLabelText('Changes');
    expect(diff.textContent).toMatch(/-\s+25/);
    expect(diff.textContent).toMatch(/\+\s+60/);
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() => expect(screen.getByRole('heading', { name: /version 2/ })).toBeTruthy());
    // the history reads the audit log: the creation, then this change by the admin
    await waitFor(() =>
      expect(
        within(screen.getByRole('list', { name: 'Changes to this flag' })).getAllByRole('listitem'),
      ).toHaveLength(2),
    );
    expect(screen.getByRole('list', { name: 'Changes to this flag' }).textContent).toMatch(
      /update.* by admin/,
    );
    const stored = await sluice.fetch('/api/v1/flags/new-checkout?environment=production', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(((await stored.json()) as { spec: { targeting: unknown } }).spec.targeting).toEqual({
      fractional: [
        ['on', 60],
        ['off', 40],
      ],
    });
  });
});
