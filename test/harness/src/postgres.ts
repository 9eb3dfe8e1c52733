import { execFileSync } from 'node:child_process';
import { chownSync } from 'node:fs';
import { join } from 'node:path';
import { postgresBinaries } from './binaries.js';
import { freePorts } from './free-port.js';
import { debug } from './internal/debug.js';
import { ManagedServer, PortClashError } from './internal/managed-server.js';
import { type PostgresUser, postgresTemplate } from './internal/pg-template.js';
import { run } from './internal/run.js';
import { waitUntil } from './internal/wait.js';
import { createWorkdir } from './internal/workdir.js';
import type { ServerGroup, ServerHandle } from './server-handle.js';

export interface PostgresOptions {
  /** Also start a streaming replica (pg_basebackup -R). Default false. */
  replica?: boolean;
  /**
   * `synchronous_commit` on the primary. Default true. false makes the replica lag by ~200 ms (the WAL
   * writer's delay), which is what read-after-write and lag tests need.
   */
  synchronousCommit?: boolean;
  readyTimeoutMs?: number;
}

export interface PostgresServer extends ServerHandle {
  /** 'postgres://postgres@127.0.0.1:PORT/postgres' (trust auth, no password). */
  readonly url: string;
  /** The URL of another database on this server. */
  urlFor(database: string): string;
  /** The data directory (also holds the unix socket). */
  readonly dataDir: string;
}

export interface PostgresCluster extends ServerGroup {
  readonly primary: PostgresServer;
  readonly replica?: PostgresServer;
  readonly servers: readonly PostgresServer[];
  /**
   * Waits until the replica streams from the primary and has replayed everything the primary had written
   * when this was called: after it, a read on the replica sees every earlier commit on the primary.
   */
  waitForReplica(timeoutMs?: number): Promise<void>;
  /** Creates a database on the primary (and waits for it on the replica); returns its primary URL. */
  createDatabase(name: string): Promise<string>;
}

class PostgresManagedServer extends ManagedServer implements PostgresServer {
  get url(): string {
    return this.urlFor('postgres');
  }
  urlFor(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }
  get dataDir(): string {
    return join(this.dir, 'data');
  }
}

/** One query on a fresh connection. `pg` is loaded on first use, like the packages under test do. */
export async function pgQuery<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  // A server killed mid-query would otherwise raise an unhandled 'error' event.
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end().catch(() => {});
  }
}

function postgresUser(): PostgresUser {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error("there is no 'postgres' user: install the Debian package 'postgresql' (it creates the user)");
  }
}

/**
 * Starts PostgreSQL from the installed binaries as the `postgres` user (initdb and postgres refuse root),
 * on free loopback ports, each server in its own temp dir; a replica streams from the primary.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresCluster> {
  const { binDir, version } = postgresBinaries();
  const user = postgresUser();
  const template = await postgresTemplate(binDir, version, user);
  for (let attempt = 1; ; attempt++) {
    const [primaryPort, replicaPort] = await freePorts(options.replica ? 2 : 1);
    const started = performance.now();
    const primary = createServer('postgres-primary', primaryPort!, binDir, user, options);
    const servers: PostgresManagedServer[] = [primary];
    try {
      await run({
        what: 'copying the initdb template',
        command: 'cp',
        args: ['-a', template, primary.dataDir],
        cwd: primary.dir,
      });
      await primary.start();
      if (options.replica) {
        const replica = createServer('postgres-replica', replicaPort!, binDir, user, options);
        servers.push(replica);
        await baseBackup(binDir, primary, replica);
        await replica.start();
      }
    } catch (error) {
      await Promise.all(servers.map((server) => server.destroy()));
      if (!(error instanceof PortClashError) || attempt >= 3) throw error;
      continue;
    }
    const group = postgresCluster(servers);
    if (options.replica) await group.waitForReplica();
    debug(`PostgreSQL${options.replica ? ' + replica' : ''} ready in ${Math.round(performance.now() - started)} ms`);
    return group;
  }
}

function createServer(
  name: string,
  port: number,
  binDir: string,
  user: PostgresUser,
  options: PostgresOptions,
): PostgresManagedServer {
  const dir = createWorkdir(name);
  // pg_basebackup (as postgres) creates the replica's data dir inside it.
  chownSync(dir, user.uid, user.gid);
  const dataDir = join(dir, 'data');
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  return new PostgresManagedServer({
    name,
    port,
    dir,
    // SIGINT is PostgreSQL's fast shutdown (~10 ms); SIGTERM waits for clients to disconnect.
    stopSignal: 'SIGINT',
    readyTimeoutMs: timeoutMs,
    launch: () => ({
      command: join(binDir, 'postgres'),
      args: [
        '-D',
        dataDir,
        ...[
          `port=${port}`,
          'listen_addresses=127.0.0.1',
          `unix_socket_directories=${dataDir}`,
          // Test data need not survive a power cut; these make writes several times cheaper.
          'fsync=off',
          'full_page_writes=off',
          `synchronous_commit=${options.synchronousCommit === false ? 'off' : 'on'}`,
          'wal_level=replica',
          'max_wal_senders=5',
          'max_replication_slots=5',
          'hot_standby=on',
          'shared_buffers=32MB',
          // A replica whose primary restarted retries every 5 s by default; failover tests would wait for it.
          'wal_retrieve_retry_interval=200ms',
        ].flatMap((setting) => ['-c', setting]),
      ],
      cwd: dir,
      user: 'postgres',
      env: postgresEnv(dir),
    }),
    // The log line comes after the sockets are listening; a standby says "read-only connections".
    ready: (child, signal) =>
      waitUntil(async () => /database system is ready to accept (read-only )?connections/.test(child.output()), {
        what: `${name} on 127.0.0.1:${port}`,
        timeoutMs,
        intervalMs: 20,
        signal,
      }),
  });
}

/**
 * HOME and PGPASSFILE inside the server's dir: otherwise libpq (pg_basebackup, and the replica's WAL
 * receiver) looks for root's ~/.pgpass, which the postgres user cannot read, and the replica's
 * generated primary_conninfo points at it.
 */
function postgresEnv(dir: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: dir, PGPASSFILE: join(dir, '.pgpass'), LANG: 'C.UTF-8', TZ: 'UTC' };
}

async function baseBackup(binDir: string, primary: PostgresManagedServer, replica: PostgresManagedServer) {
  // -C -S: a replication slot, so the primary keeps WAL for a replica that is paused or restarted.
  await run({
    what: 'pg_basebackup',
    command: join(binDir, 'pg_basebackup'),
    args: [
      ...['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', replica.dataDir],
      ...['-R', '-X', 'stream', '-c', 'fast', '-C', '-S', 'replica1', '--no-sync'],
    ],
    cwd: replica.dir,
    user: 'postgres',
    env: postgresEnv(replica.dir),
  });
}

function postgresCluster(servers: PostgresManagedServer[]): PostgresCluster {
  const [primary, replica] = servers as [PostgresManagedServer, PostgresManagedServer | undefined];
  const stop = async () => {
    // Replica first: a primary stopping first makes the replica log reconnect attempts meanwhile.
    if (replica) await replica.destroy();
    await primary.destroy();
  };
  const waitForReplica = async (timeoutMs = 15_000) => {
    if (!replica) throw new Error('startPostgres({ replica: true }) starts a replica; this one has none');
    const what = 'the PostgreSQL replica to stream and catch up';
    await waitUntil(
      async () => {
        const rows = await pgQuery<{ status: string }>(replica.url, 'SELECT status FROM pg_stat_wal_receiver');
        return rows[0]?.status === 'streaming';
      },
      { what, timeoutMs },
    );
    const [{ lsn } = { lsn: '0/0' }] = await pgQuery<{ lsn: string }>(
      primary.url,
      'SELECT pg_current_wal_lsn() AS lsn',
    );
    await waitUntil(
      async () => {
        const [row] = await pgQuery<{ caught: boolean }>(
          replica.url,
          'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught',
          [lsn],
        );
        return row?.caught === true;
      },
      { what, timeoutMs, intervalMs: 10 },
    );
  };
  return {
    primary,
    replica,
    servers,
    waitForReplica,
    async createDatabase(name) {
      await pgQuery(primary.url, `CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      if (replica) await waitForReplica();
      return primary.urlFor(name);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
