import { Command, CommanderError } from 'commander';
import { registerAdminCommands } from './commands/admin.js';
import { registerEmergencyCommands } from './commands/emergency.js';
import { registerExperimentCommands } from './commands/experiments.js';
import { registerFlagCommands } from './commands/flags.js';
import { registerLoginCommands } from './commands/login.js';
import { registerOperationsCommands } from './commands/operations.js';
import { registerResourceCommands } from './commands/resources.js';
import { registerRolloutCommands } from './commands/rollouts.js';
import { registerServiceCommands } from './commands/services.js';
import { registerTrafficCommands } from './commands/traffic.js';
import { registerUpCommand } from './commands/up.js';
import { createContext } from './context.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, formatError, toCliError } from './errors.js';
import type { CliIo } from './io.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command('sluice')
    .description(
      'Sluice: progressive delivery — blue-green, canary, shadow, flags and experiments under one plan',
    )
    .version('0.1.0')
    .option(
      '--url <url>',
      'control plane URL (else SLUICE_URL, `sluice login`, ./.sluice, http://127.0.0.1:4200)',
    )
    .option('--token <token>', 'API token (else SLUICE_TOKEN, `sluice login`, ./.sluice/admin-token)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError(true)
    // global options go before the command, so `load --url` can mean the load target
    .enablePositionalOptions();
  const ctx = createContext(io, program);
  registerUpCommand(program, ctx);
  registerLoginCommands(program, ctx);
  registerResourceCommands(program, ctx);
  registerAdminCommands(program, ctx);
  registerFlagCommands(program, ctx);
  registerEmergencyCommands(program, ctx);
  registerTrafficCommands(program, ctx);
  registerRolloutCommands(program, ctx);
  registerServiceCommands(program, ctx);
  registerExperimentCommands(program, ctx);
  registerOperationsCommands(program, ctx);
  const quiet = (command: Command): void => {
    for (const sub of command.commands) {
      sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
      quiet(sub);
    }
  };
  quiet(program);
  return program;
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 failed, 2 bad usage). */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return EXIT_OK;
      return EXIT_USAGE;
    }
    const cli = toCliError(error);
    io.stderr(formatError(cli));
    return cli.exitCode ?? EXIT_FAILED;
  }
}
