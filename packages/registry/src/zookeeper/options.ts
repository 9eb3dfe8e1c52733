import { homedir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger, StagesError } from '@stages/common';
import { DEFAULT_WARMUP_MS } from '../warmup.js';

export interface ZooKeeperCredentials {
  username: string;
  password: string;
}

export interface ZooKeeperRegistryOptions {
  /** `host:port[,host:port...][/chroot]`. Every host is tried in turn; the chroot prefixes every path. */
  connectionString: string;
  /** Keeps unrelated deployments on one ensemble apart: `/stages/<namespace>/...`. Default `default`. */
  namespace?: string;
  /** How long ZooKeeper keeps a silent session (and its providers) alive. The server clamps it to 2..20 ticks. */
  sessionTimeoutMs?: number;
  /** Bound on one ZooKeeper round trip (the client queues requests forever while disconnected). */
  operationTimeoutMs?: number;
  /** How long a first subscription waits for a first connection before serving the snapshot. */
  connectTimeoutMs?: number;
  /** Digest credential: provider nodes become writable only by its holders; anyone may read. */
  credentials?: ZooKeeperCredentials;
  /** Where the last known lists are kept for restarts during an outage; `false` disables. */
  snapshotDir?: string | false;
  /** Window in which watch events are merged into one update. */
  coalesceMs?: number;
  /** Warm-up stamped into `metadata.warmupMs` of providers registered here, unless they declare one. */
  warmupMs?: number;
  logger?: Logger;
}

export interface ResolvedZooKeeperOptions {
  readonly hosts: string;
  readonly chroot: string;
  readonly namespace: string;
  readonly sessionTimeoutMs: number;
  readonly operationTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly credentials: ZooKeeperCredentials | undefined;
  readonly snapshotDir: string | false;
  readonly coalesceMs: number;
  readonly warmupMs: number;
  readonly logger: Logger;
}

export const ZOOKEEPER_DEFAULTS = {
  namespace: 'default',
  sessionTimeoutMs: 30_000,
  operationTimeoutMs: 10_000,
  connectTimeoutMs: 3_000,
  coalesceMs: 10,
  snapshotDir: join(homedir(), '.stages', 'registry'),
} as const;

/** Validated once, when the registry is built; every message names the field, then the result is frozen. */
export function resolveZooKeeperOptions(options: ZooKeeperRegistryOptions): ResolvedZooKeeperOptions {
  if (typeof options !== 'object' || options === null) invalid('options', 'must be an object');
  const { hosts, chroot } = parseConnectionString(options.connectionString);
  const namespace = options.namespace ?? ZOOKEEPER_DEFAULTS.namespace;
  if (
    typeof namespace !== 'string' ||
    !/^[A-Za-z0-9._-]+$/.test(namespace) ||
    namespace === '.' ||
    namespace === '..'
  ) {
    invalid('namespace', 'must be letters, digits, ".", "_" or "-"');
  }
  const credentials = options.credentials;
  if (credentials !== undefined) {
    if (
      typeof credentials?.username !== 'string' ||
      credentials.username === '' ||
      credentials.username.includes(':')
    ) {
      invalid('credentials.username', 'must be a non-empty string without ":"');
    }
    if (typeof credentials.password !== 'string' || credentials.password === '') {
      invalid('credentials.password', 'must be a non-empty string');
    }
  }
  const snapshotDir = options.snapshotDir ?? ZOOKEEPER_DEFAULTS.snapshotDir;
  if (snapshotDir !== false && (typeof snapshotDir !== 'string' || snapshotDir === '')) {
    invalid('snapshotDir', 'must be a directory path or false');
  }
  return Object.freeze({
    hosts,
    chroot,
    namespace,
    sessionTimeoutMs: ms(options, 'sessionTimeoutMs', ZOOKEEPER_DEFAULTS.sessionTimeoutMs, 1),
    operationTimeoutMs: ms(options, 'operationTimeoutMs', ZOOKEEPER_DEFAULTS.operationTimeoutMs, 1),
    connectTimeoutMs: ms(options, 'connectTimeoutMs', ZOOKEEPER_DEFAULTS.connectTimeoutMs, 0),
    credentials: credentials === undefined ? undefined : Object.freeze({ ...credentials }),
    snapshotDir,
    coalesceMs: ms(options, 'coalesceMs', ZOOKEEPER_DEFAULTS.coalesceMs, 0),
    warmupMs: ms(options, 'warmupMs', DEFAULT_WARMUP_MS, 0),
    logger: options.logger ?? createLogger('registry.zookeeper', { namespace }),
  });
}

/**
 * Splits `h1:2181,h2:2181/chroot` into the host list and the chroot. The registry applies the chroot itself
 * instead of handing it to the client: the client cannot create a missing chroot node, and then every
 * operation fails with NO_NODE.
 */
export function parseConnectionString(value: unknown): { hosts: string; chroot: string } {
  if (typeof value !== 'string' || value.trim() === '') invalid('connectionString', 'must be a non-empty string');
  const slash = value.indexOf('/');
  const hostPart = slash === -1 ? value : value.slice(0, slash);
  let chroot = slash === -1 ? '' : value.slice(slash).replace(/\/+$/, '');
  if (chroot !== '' && (!/^(\/[^/\s]+)+$/.test(chroot) || chroot.split('/').some((p) => p === '.' || p === '..'))) {
    invalid('connectionString', `has an invalid chroot "${chroot}"`);
  }
  if (chroot === '/') chroot = '';
  const hosts = hostPart.split(',').map((h) => h.trim());
  for (const host of hosts) {
    const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(host);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535) {
      invalid('connectionString', `host "${host}" is not host:port`);
    }
  }
  return { hosts: hosts.join(','), chroot };
}

function ms(options: ZooKeeperRegistryOptions, field: keyof ZooKeeperRegistryOptions, fallback: number, min: number) {
  const value = options[field] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    invalid(field, `must be a number of milliseconds >= ${min}`);
  }
  return value;
}

function invalid(field: string, message: string): never {
  throw new StagesError('CONFIG_INVALID', `zookeeper registry: ${field} ${message}`, { details: { field } });
}
