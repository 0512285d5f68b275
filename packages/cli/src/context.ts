import type { Command } from 'commander';
import { ApiClient } from './client/api.js';
import { resolveCredentials } from './client/credentials.js';
import type { CliIo } from './io.js';

/** What every command gets: its IO, and a client built from the global --url/--token. */
export interface CommandContext {
  io: CliIo;
  client(): ApiClient;
}

export function createContext(io: CliIo, program: Command): CommandContext {
  return {
    io,
    client: () => {
      const opts = program.opts<{ url?: string; token?: string }>();
      return new ApiClient(resolveCredentials(io, { url: opts.url, token: opts.token }));
    },
  };
}
