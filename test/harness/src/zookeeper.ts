import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zooKeeperBinaries } from './binaries.js';
import { freePorts } from './free-port.js';
import { debug } from './internal/debug.js';
import { ManagedServer, PortClashError } from './internal/managed-server.js';
import { tcpRequest } from './internal/tcp.js';
import { waitUntil } from './internal/wait.js';
import { createWorkdir } from './internal/workdir.js';
import type { ServerGroup, ServerHandle } from './server-handle.js';

export interface ZooKeeperOptions {
  /** 1: a standalone server; 3: an ensemble (for tests that kill the leader). Default 1. */
  nodes?: 1 | 3;
  /**
   * ZooKeeper's time unit. Sessions time out between 2 and 20 ticks, so a short tick (e.g. 500)
   * makes session-expiry tests fast. Default 2000, ZooKeeper's own default.
   */
  tickTime?: number;
  readyTimeoutMs?: number;
}

export interface ZooKeeperCluster extends ServerGroup {
  /** 'host:port' for a standalone server, a comma-separated list for an ensemble. */
  readonly connectionString: string;
  readonly servers: readonly ServerHandle[];
  /** The server whose `srvr` says it leads (the standalone server itself); waits out an election. */
  leader(timeoutMs?: number): Promise<ServerHandle>;
}

const FOUR_LETTER_WORDS = 'srvr,ruok,mntr,stat,conf,isro';
const LOG4J = `log4j.rootLogger=INFO, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} [myid:%X{myid}] %-5p %c{1} - %m%n
`;

/** The `Mode:` line of `srvr` (standalone, leader, follower), or undefined while not serving. */
export async function zooKeeperMode(port: number, timeoutMs = 1000): Promise<string | undefined> {
  const reply = await tcpRequest(port, 'srvr', { timeoutMs });
  return /^Mode: (\w+)/m.exec(reply)?.[1];
}

interface NodePorts {
  client: number;
  peer: number;
  election: number;
}

/**
 * Starts ZooKeeper from the Debian package on free loopback ports, each node in its own temp dir.
 * Ready means `srvr` reports a mode: `ruok` answers `imok` even outside a quorum, so it proves nothing.
 */
export async function startZooKeeper(options: ZooKeeperOptions = {}): Promise<ZooKeeperCluster> {
  const nodes = options.nodes ?? 1;
  const binaries = zooKeeperBinaries();
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(nodes * 3);
    const layout: NodePorts[] = Array.from({ length: nodes }, (_, i) => ({
      client: ports[i * 3]!,
      peer: ports[i * 3 + 1]!,
      election: ports[i * 3 + 2]!,
    }));
    const servers = layout.map((_, i) => createNode(i + 1, layout, binaries, options));
    const started = performance.now();
    // In parallel: an ensemble node waits for a quorum, so starting them one by one cannot work anyway.
    const results = await Promise.allSettled(servers.map((server) => server.start()));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failure) {
      debug(`ZooKeeper x${nodes} ready in ${Math.round(performance.now() - started)} ms`);
      return cluster(servers);
    }
    await Promise.all(servers.map((server) => server.destroy()));
    if (!(failure.reason instanceof PortClashError) || attempt >= 3) throw failure.reason;
    debug(`ZooKeeper port clash, retrying on new ports: ${(failure.reason as Error).message.split('\n')[0]}`);
  }
}

function createNode(
  id: number,
  layout: readonly NodePorts[],
  binaries: { java: string; classpath: string[] },
  options: ZooKeeperOptions,
): ManagedServer {
  const own = layout[id - 1]!;
  const ensemble = layout.length > 1;
  const dir = createWorkdir(`zookeeper${ensemble ? id : ''}`);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const config = [
    `tickTime=${options.tickTime ?? 2000}`,
    'initLimit=10',
    'syncLimit=5',
    `dataDir=${dataDir}`,
    `clientPort=${own.client}`,
    'clientPortAddress=127.0.0.1',
    'admin.enableServer=false',
    `4lw.commands.whitelist=${FOUR_LETTER_WORDS}`,
    ...(ensemble ? layout.map((node, i) => `server.${i + 1}=127.0.0.1:${node.peer}:${node.election}`) : []),
  ];
  writeFileSync(join(dir, 'zoo.cfg'), `${config.join('\n')}\n`);
  writeFileSync(join(dir, 'log4j.properties'), LOG4J);
  if (ensemble) writeFileSync(join(dataDir, 'myid'), `${id}\n`);
  const wanted = ensemble ? ['leader', 'follower'] : ['standalone'];
  return new ManagedServer({
    name: ensemble ? `zookeeper-${id}` : 'zookeeper',
    port: own.client,
    dir,
    stopSignal: 'SIGTERM',
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    launch: () => ({
      command: binaries.java,
      // Small heap, serial GC and the C1 compiler only: the suite runs many JVMs on 2 cores, and these
      // start in half the CPU time. No perf data file in /tmp either.
      args: [
        '-Xms32m',
        '-Xmx64m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-XX:-UsePerfData',
        `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
        '-cp',
        [dir, ...binaries.classpath].join(':'),
        'org.apache.zookeeper.server.quorum.QuorumPeerMain',
        join(dir, 'zoo.cfg'),
      ],
      cwd: dir,
    }),
    ready: (_child, signal) =>
      waitUntil(async () => wanted.includes((await zooKeeperMode(own.client, 1000)) ?? ''), {
        what: `ZooKeeper 127.0.0.1:${own.client} to serve`,
        timeoutMs: options.readyTimeoutMs ?? 60_000,
        intervalMs: 100,
        signal,
      }),
  });
}

function cluster(servers: ManagedServer[]): ZooKeeperCluster {
  const stop = async () => {
    await Promise.all(servers.map((server) => server.destroy()));
  };
  return {
    servers,
    connectionString: servers.map((server) => `127.0.0.1:${server.port}`).join(','),
    async leader(timeoutMs = 30_000) {
      return waitUntil(
        async () => {
          for (const server of servers) {
            if (!server.running) continue;
            const mode = await zooKeeperMode(server.port, 500).catch(() => undefined);
            if (mode === 'leader' || mode === 'standalone') return server;
          }
          return undefined;
        },
        { what: 'a ZooKeeper leader', timeoutMs, intervalMs: 100 },
      );
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
