import type { Command } from 'commander';

/**
 * One top-level subcommand: a file in this folder that adds itself to the program. New subcommands are one
 * file plus one line in `index.ts`.
 */
export interface CommandModule {
  readonly name: string;
  register(program: Command): void;
}

/** Options every command that talks to ZooKeeper takes. */
export interface ZkOptions {
  zk: string;
  namespace: string;
  timeout: string;
  json?: boolean;
}

export function addZkOptions(command: Command): Command {
  return command
    .option('--zk <hosts>', 'ZooKeeper connection string', process.env.STAGES_ZK ?? '127.0.0.1:2181')
    .option('--namespace <ns>', 'registry namespace', process.env.STAGES_NAMESPACE ?? 'default')
    .option('--timeout <ms>', 'how long to wait for ZooKeeper and for a call', '5000')
    .option('--json', 'machine-readable output');
}
