import { createLogger, StagesError } from '@stages/common';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { watchStalls } from './stall-watchdog.js';

/** A standalone/Sentinel connection (`Redis`) or a `Cluster`: both speak the commands the cache uses. */
export type RedisClient = Redis | Cluster;

interface FastFailOptions {
  /**
   * Commands waiting this long with no reply from Redis fail (and count towards the cache's breaker).
   * Default 200 ms. Standalone/Sentinel: enforced by a stall watchdog (see stall-watchdog.ts); Cluster:
   * ioredis' commandTimeout.
   */
  commandTimeoutMs?: number;
  /** How long to wait for a TCP connection. Default 1,000 ms. */
  connectTimeoutMs?: number;
  /** Upper bound of the reconnect back-off. Default 1,000 ms, so a returning Redis is found within a second. */
  maxReconnectDelayMs?: number;
  /** Extra ioredis options, applied last (they win over the fast-fail defaults). */
  ioredis?: RedisOptions;
}

/**
 * Where Redis is. Exactly one of `url`, `host`, `sentinels`, `cluster` or `client`.
 * Only standalone is exercised against a real server by this package's tests; Sentinel and Cluster options are
 * handed to ioredis as they are (see docs/cache.md).
 */
export type RedisConnectionOptions = FastFailOptions &
  (
    | { url: string }
    | { host: string; port?: number; db?: number; password?: string; username?: string }
    | { sentinels: { host: string; port: number }[]; name: string; password?: string; sentinelPassword?: string }
    | { cluster: { host: string; port: number }[]; clusterOptions?: ClusterOptions }
    | { client: RedisClient }
  );

const log = createLogger('cache.redis');

/**
 * Builds an ioredis client that fails fast: no offline queue, no per-request retries, a short stall timeout.
 * A dead Redis then costs a caller microseconds (the command is refused at once), not the seconds ioredis'
 * defaults would spend queueing and retrying, and the cache falls back to its loader.
 */
export async function createRedisClient(options: RedisConnectionOptions): Promise<RedisClient> {
  if ('client' in options) return options.client;
  const ioredis = await loadIoredis();
  const maxDelay = options.maxReconnectDelayMs ?? 1_000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 200;
  const fastFail: RedisOptions = {
    connectTimeout: options.connectTimeoutMs ?? 1_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times: number) => Math.min(times * 100, maxDelay),
  };
  let client: RedisClient;
  if ('cluster' in options) {
    const { enableOfflineQueue: _q, retryStrategy: _r, ...nodeOptions } = fastFail;
    client = new ioredis.Cluster(options.cluster, {
      enableOfflineQueue: false,
      clusterRetryStrategy: (times: number) => Math.min(times * 100, maxDelay),
      ...options.clusterOptions,
      redisOptions: {
        ...nodeOptions,
        commandTimeout: commandTimeoutMs,
        ...options.ioredis,
        ...options.clusterOptions?.redisOptions,
      },
    });
  } else if ('sentinels' in options) {
    client = new ioredis.Redis({
      ...fastFail,
      sentinels: options.sentinels,
      name: options.name,
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.sentinelPassword === undefined ? {} : { sentinelPassword: options.sentinelPassword }),
      ...options.ioredis,
    });
  } else if ('url' in options) {
    client = new ioredis.Redis(options.url, { ...fastFail, ...options.ioredis });
  } else {
    const { host, port, db, password, username } = options;
    client = new ioredis.Redis({
      ...fastFail,
      host,
      port: port ?? 6379,
      ...(db === undefined ? {} : { db }),
      ...(password === undefined ? {} : { password }),
      ...(username === undefined ? {} : { username }),
      ...options.ioredis,
    });
  }
  if (!client.isCluster && options.ioredis?.commandTimeout === undefined)
    watchStalls(client as Redis, commandTimeoutMs);
  watchErrors(client);
  return client;
}

/**
 * Waits until the client is ready, at most `timeoutMs`. Never throws: a cache must start (and serve from its
 * loader) while Redis is down; ioredis keeps reconnecting in the background.
 */
export async function waitReady(client: RedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return true;
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('ready', onReady);
  });
}

/** A second connection for SUBSCRIBE (a subscribed connection can run no other command). */
export function duplicateForSubscribe(client: RedisClient): RedisClient {
  // The subscriber keeps an offline queue: SUBSCRIBE issued before the connection is up must still happen,
  // and ioredis re-subscribes by itself after a reconnect.
  const sub = client.duplicate(
    client.isCluster ? undefined : ({ enableOfflineQueue: true, maxRetriesPerRequest: null } as never),
  );
  watchErrors(sub);
  return sub;
}

// ioredis prints "Unhandled error event" for every failed reconnect unless someone listens. The cache already
// reports outages (breaker warning + metrics), so one line per distinct message is enough here.
function watchErrors(client: RedisClient): void {
  let last = '';
  client.on('error', (error: Error) => {
    if (error.message === last) return;
    last = error.message;
    log.debug({ err: error.message }, 'redis connection error');
  });
  client.on('ready', () => {
    last = '';
  });
}

interface IoredisModule {
  Redis: typeof import('ioredis').Redis;
  Cluster: typeof import('ioredis').Cluster;
}

async function loadIoredis(): Promise<IoredisModule> {
  try {
    const mod = await import('ioredis');
    return { Redis: mod.Redis, Cluster: mod.Cluster };
  } catch (cause) {
    throw new StagesError(
      'UNKNOWN_PLUGIN',
      'The Redis cache store needs the "ioredis" package: npm install ioredis@5',
      {
        cause,
      },
    );
  }
}
