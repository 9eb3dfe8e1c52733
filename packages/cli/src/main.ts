import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';
import { EXIT } from './output.js';

export function buildProgram(): Command {
  const program = new Command('stages')
    .description('Stages command line: inspect the registry, call services, manage config, run the example shop')
    .showHelpAfterError();
  for (const command of COMMANDS) command.register(program);
  // Throw instead of exiting, everywhere, so run() maps usage errors to exit code 2 and tests can call it.
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) c.exitOverride();
  return program;
}

/** Runs one command line; resolves with the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
}
