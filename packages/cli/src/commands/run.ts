import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { EXIT } from '../output.js';
import type { CommandModule } from './command.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const SHOP_MAIN = 'examples/shop/src/main.ts';

/**
 * `stages run --stage N`: the example shop at stage N (starting any ZooKeeper, PostgreSQL or Redis it needs and
 * stopping them on exit). Runs the shop's launcher as a child so Ctrl-C reaches it and its exit code is ours.
 */
export const runCommand: CommandModule = {
  name: 'run',
  register(program: Command) {
    program
      .command('run')
      .description('run the example shop at a stage of the ladder (see docs/stages/)')
      .option('--stage <n>', 'stage 1-13 (docs/stages/)', '1')
      .option('--port <port>', 'storefront port (0 picks a free one)', '3000')
      .option('--services <list>', 'serve only these services in this process (e.g. catalog,search)')
      .action(async (options: { stage: string; port: string; services?: string }) => {
        process.exitCode = await run(options);
      });
  },
};

function run(options: { stage: string; port: string; services?: string }): Promise<number> {
  if (!existsSync(`${REPO}${SHOP_MAIN}`)) {
    process.stderr.write(
      `error NOT_FOUND: the example shop is not here (${REPO}${SHOP_MAIN}); run from a Stages checkout\n`,
    );
    return Promise.resolve(EXIT.notFound);
  }
  const args = [
    '--import',
    '@swc-node/register/esm-register',
    SHOP_MAIN,
    '--stage',
    options.stage,
    '--port',
    options.port,
  ];
  if (options.services) args.push('--services', options.services);
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 + 2 : EXIT.failure));
    });
  });
}
