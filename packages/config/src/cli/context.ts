import { StagesError } from '@stages/common';
import { ConfigStore } from '../store/config-store.js';
import type { Scope } from '../zookeeper/paths.js';
import { ZkSession } from '../zookeeper/session.js';

/** The options every `stages config` subcommand understands. */
export interface CliOptions {
  zk: string;
  namespace: string;
  app?: string;
  profile?: string;
  author?: string;
  message?: string;
  credential?: string;
  json?: boolean;
  timeout: string;
}

export interface CliContext {
  store: ConfigStore;
  scope: Scope;
  options: CliOptions;
  out(text: string): void;
  close(): void;
}

export async function openContext(options: CliOptions): Promise<CliContext> {
  const credential = options.credential || process.env.STAGES_CONFIG_CREDENTIAL || undefined;
  if (credential !== undefined && !credential.includes(':'))
    throw new StagesError('INVALID_ARGUMENT', 'the credential must look like user:password');
  const session = new ZkSession({ connectionString: options.zk, ...(credential ? { credential } : {}) });
  try {
    await session.waitConnected(Number(options.timeout) || 5000);
  } catch (error) {
    session.close();
    throw error;
  }
  return {
    store: new ConfigStore(session),
    scope: { namespace: options.namespace, app: options.app, profile: options.profile },
    options,
    out: (text) => process.stdout.write(`${text}\n`),
    close: () => session.close(),
  };
}

export function meta(options: CliOptions, fallbackMessage: string) {
  return { author: options.author ?? process.env.USER ?? 'unknown', message: options.message ?? fallbackMessage };
}
