/** Renders the whole dashboard against a test server and signs in with `token`, as a person would. */
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../App';
import type { TestServer } from './server';

export async function signInAs(sluice: TestServer, token: string) {
  const user = userEvent.setup();
  render(<App fetchImpl={sluice.fetch} />);
  await user.type(await screen.findByLabelText('API token'), token);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
  return user;
}
