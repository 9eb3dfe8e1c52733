import { StagesError } from '@stages/common';
import { Command, CommanderError } from 'commander';
import * as actions from './actions.js';
import { type CliContext, type CliOptions, openContext } from './context.js';
import { EXIT, exitCodeFor } from './output.js';

function versionArg(value: string): number {
  const n = Number(value.replace(/^v-?/, ''));
  if (!Number.isInteger(n) || n < 1)
    throw new StagesError('INVALID_ARGUMENT', `"${value}" is not a version (e.g. 12 or v12)`);
  return n;
}

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Runs one subcommand: opens a session, runs, closes. Errors become one line on stderr (or JSON with --json)
 * and a stable exit code in process.exitCode, so the command behaves the same mounted under `stages` or alone.
 */
function run(config: Command, fn: (ctx: CliContext, ...args: never[]) => Promise<void>) {
  return async (...args: unknown[]) => {
    const options = config.opts<CliOptions>();
    let ctx: CliContext | undefined;
    try {
      ctx = await openContext(options);
      await fn(ctx, ...(args.slice(0, -2) as never[]));
      process.exitCode = EXIT.ok;
    } catch (error) {
      const e = StagesError.is(error) ? error : StagesError.from(error, (error as Error).message);
      if (options.json) process.stdout.write(`${JSON.stringify({ error: { code: e.code, message: e.message } })}\n`);
      process.stderr.write(`error: ${e.message} [${e.code}]\n`);
      process.exitCode = exitCodeFor(e);
    } finally {
      ctx?.close();
    }
  };
}

/** Adds `config` and its subcommands to a commander program (core mounts it under `stages`). */
export function configCommand(program: Command): Command {
  const config = program
    .command('config')
    .description('read and publish central configuration in ZooKeeper')
    .option('--zk <hosts>', 'ZooKeeper connection string', process.env.STAGES_ZK ?? '127.0.0.1:2181')
    .option('--namespace <ns>', 'config namespace', process.env.STAGES_CONFIG_NAMESPACE ?? 'default')
    .option('--app <name>', 'application (omit for the shared layer)')
    .option('--profile <name>', 'profile of the application (dev, staging, prod)')
    .option('--author <name>', 'who publishes (default $USER)')
    .option('--message <text>', 'why: kept in the history')
    .option('--credential <user:password>', 'write credential (default $STAGES_CONFIG_CREDENTIAL)')
    .option('--timeout <ms>', 'how long to wait for ZooKeeper', '5000')
    .option('--json', 'machine-readable output');

  config
    .command('get [key]')
    .description('show a value (or every value) and the layer it comes from; secrets are masked')
    .action(run(config, actions.getAction));
  config
    .command('set <key> <value>')
    .description('change one key and publish a new version')
    .action(run(config, actions.setAction));
  config
    .command('publish <file>')
    .description('publish a YAML or JSON document as a new version')
    .action(run(config, actions.publishAction));
  config
    .command('history')
    .description('versions, newest first')
    .option('--limit <n>', 'how many', '20')
    .action(async function (this: Command) {
      await run(config, (ctx) => actions.historyAction(ctx, Number(this.opts().limit) || 20))(this);
    });
  config
    .command('rollback <version>')
    .description('publish an earlier version again, as a new version')
    .action(run(config, (ctx, v: string) => actions.rollbackAction(ctx, versionArg(v))));
  config
    .command('diff <v1> <v2>')
    .description('keys that differ between two versions')
    .action(run(config, (ctx, a: string, b: string) => actions.diffAction(ctx, versionArg(a), versionArg(b))));
  config
    .command('gray <file>')
    .description('publish a version that only some instances see')
    .option('--instances <ids>', 'comma-separated instance ids')
    .option('--tags <tags>', 'comma-separated instance tags')
    .option('--percentage <n>', 'share of instances, by a stable hash of their id')
    .action(async function (this: Command, file: string) {
      const o = this.opts<{ instances?: string; tags?: string; percentage?: string }>();
      const rule = {
        ...(o.instances ? { instances: list(o.instances) } : {}),
        ...(o.tags ? { tags: list(o.tags) } : {}),
        ...(o.percentage !== undefined ? { percentage: Number(o.percentage) } : {}),
      };
      await run(config, (ctx) => actions.grayAction(ctx, file, rule))(this);
    });
  config
    .command('promote')
    .description('make the gray version current for every instance')
    .action(run(config, actions.promoteAction));
  config
    .command('abandon')
    .description('stop the gray release; its instances return to current')
    .action(run(config, actions.abandonAction));
  config
    .command('schema [file]')
    .description("print the app's registered JSON Schema, or register one from a file (z.toJSONSchema output)")
    .action(run(config, actions.schemaAction));
  return config;
}

/** `stages-config <subcommand> ...` (a leading `config` is accepted too, as typed under `stages`); resolves to the exit code. */
export async function runConfigCli(argv: readonly string[]): Promise<number> {
  const program = new Command('stages').exitOverride();
  configCommand(program);
  for (const command of [program, ...program.commands, ...(program.commands[0]?.commands ?? [])])
    command.exitOverride();
  try {
    await program.parseAsync(argv[0] === 'config' ? [...argv] : ['config', ...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
}
