import { redisBinary } from './binaries.js';
import { freePorts } from './free-port.js';
import { debug } from './internal/debug.js';
import { ManagedServer, PortClashError } from './internal/managed-server.js';
import { tcpRequest } from './internal/tcp.js';
import { waitUntil } from './internal/wait.js';
import { createWorkdir } from './internal/workdir.js';
import type { ServerGroup, ServerHandle } from './server-handle.js';

export interface RedisOptions {
  /** Also start a replica of the primary. Default false. */
  replica?: boolean;
  /**
   * Persist with an append-only file, so data survives restart() and kill(). Default false: without it
   * a restarted Redis comes back empty, as a cache usually does.
   */
  appendOnly?: boolean;
  readyTimeoutMs?: number;
}

export interface RedisServer extends ServerHandle {
  /** 'redis://127.0.0.1:PORT' */
  readonly url: string;
}

export interface RedisCluster extends ServerGroup {
  readonly primary: RedisServer;
  readonly replica?: RedisServer;
  readonly servers: readonly RedisServer[];
  /** Waits until the replica's link to the primary is up (after a restart of either). */
  waitForReplica(timeoutMs?: number): Promise<void>;
}

class RedisManagedServer extends ManagedServer implements RedisServer {
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
}

/** `INFO <section>` over raw RESP: the harness needs one command and should not load a client for it. */
export async function redisInfo(port: number, section = 'replication', timeoutMs = 1000): Promise<string> {
  const reply = await tcpRequest(port, `INFO ${section}\r\n`, {
    timeoutMs,
    complete: (text) => {
      const header = /^\$(\d+)\r\n/.exec(text);
      return header !== null && Buffer.byteLength(text) >= header[0].length + Number(header[1]) + 2;
    },
  });
  if (!reply.startsWith('$')) throw new Error(`unexpected INFO reply: ${reply.slice(0, 80)}`);
  return reply;
}

async function replicaLinkUp(port: number): Promise<boolean> {
  return /master_link_status:up/.test(await redisInfo(port));
}

/** Starts redis-server (and optionally a replica) on free loopback ports, each in its own temp dir. */
export async function startRedis(options: RedisOptions = {}): Promise<RedisCluster> {
  const binary = redisBinary();
  for (let attempt = 1; ; attempt++) {
    const [primaryPort, replicaPort] = await freePorts(options.replica ? 2 : 1);
    const primary = createServer('redis-primary', primaryPort!, binary, options);
    const replica = options.replica
      ? createServer('redis-replica', replicaPort!, binary, options, primaryPort)
      : undefined;
    const servers = replica ? [primary, replica] : [primary];
    const started = performance.now();
    // Both at once: a replica retries its primary on its own until the primary listens.
    const results = await Promise.allSettled(servers.map((server) => server.start()));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failure) {
      debug(`Redis${replica ? ' + replica' : ''} ready in ${Math.round(performance.now() - started)} ms`);
      const stop = async () => {
        await Promise.all(servers.map((server) => server.destroy()));
      };
      return {
        primary,
        replica,
        servers,
        async waitForReplica(timeoutMs = 10_000) {
          if (!replica) throw new Error('startRedis({ replica: true }) starts a replica; this one has none');
          await waitUntil(() => replicaLinkUp(replica.port), { what: 'the Redis replica link', timeoutMs });
        },
        stop,
        [Symbol.asyncDispose]: stop,
      };
    }
    await Promise.all(servers.map((server) => server.destroy()));
    if (!(failure.reason instanceof PortClashError) || attempt >= 3) throw failure.reason;
  }
}

function createServer(
  name: string,
  port: number,
  binary: string,
  options: RedisOptions,
  primaryPort?: number,
): RedisManagedServer {
  const dir = createWorkdir(name);
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  return new RedisManagedServer({
    name,
    port,
    dir,
    stopSignal: 'SIGTERM',
    readyTimeoutMs: timeoutMs,
    launch: () => ({
      command: binary,
      args: [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        options.appendOnly ? 'yes' : 'no',
        '--daemonize',
        'no',
        '--dir',
        dir,
        // Without it a replica waits 5 s before its first full sync.
        '--repl-diskless-sync-delay',
        '0',
        ...(primaryPort ? ['--replicaof', '127.0.0.1', String(primaryPort)] : []),
      ],
      cwd: dir,
    }),
    ready: (_child, signal) =>
      waitUntil(
        async () => {
          const info = await redisInfo(port);
          // A replica is ready when it has synced, not when it listens: tests read from it at once.
          return primaryPort ? /master_link_status:up/.test(info) : /role:master/.test(info);
        },
        { what: `${name} on 127.0.0.1:${port}`, timeoutMs, intervalMs: 20, signal },
      ),
  });
}
