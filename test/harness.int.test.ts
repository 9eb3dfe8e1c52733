import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import {
  type PostgresCluster,
  pgQuery,
  type RedisCluster,
  startPostgres,
  startProcess,
  startRedis,
  startZooKeeper,
  sweepStale,
  type ZooKeeperCluster,
} from '@stages/test-harness';
import { Redis } from 'ioredis';
import pgLib from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, processesIn } from './harness/src/internal/procfs.js';
import { sleep } from './harness/src/internal/wait.js';

// node-zookeeper-client ships no types: the slice this test uses, typed by hand.
interface ZkClient {
  connect(): void;
  close(): void;
  once(event: 'connected' | 'disconnected' | 'expired', listener: () => void): void;
  on(event: 'state', listener: (state: { name: string }) => void): void;
  getSessionId(): Buffer;
  create(path: string, data: Buffer, mode: number, cb: (error: Error | null, path: string) => void): void;
  getData(path: string, cb: (error: Error | null, data: Buffer) => void): void;
  exists(path: string, cb: (error: Error | null, stat: unknown) => void): void;
}
const zookeeper = createRequire(import.meta.url)('node-zookeeper-client') as {
  createClient(connectionString: string, options: Record<string, number>): ZkClient;
  CreateMode: { PERSISTENT: number; EPHEMERAL: number };
};
const zk = <T>(call: (cb: (error: Error | null, result: T) => void) => void) =>
  new Promise<T>((resolve, reject) => call((error, result) => (error ? reject(error) : resolve(result))));

/** Retries `op` until it succeeds: after a leader dies, the ensemble refuses requests until it re-elects. */
async function eventually<T>(op: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await op();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

const startups: Record<string, number[]> = {};
const note = (what: string, ms: number) => {
  startups[what] = [...(startups[what] ?? []), ms];
};
afterAll(() => {
  // The figures the harness docs quote; run with STAGES_HARNESS_DEBUG=1 for one line per start.
  if (process.env.STAGES_HARNESS_DEBUG === '1') console.log('startup ms', JSON.stringify(startups));
});

describe('PostgreSQL primary and streaming replica', () => {
  let pg: PostgresCluster;
  beforeAll(async () => {
    pg = await startPostgres({ replica: true });
    note('postgres-primary', pg.primary.startupMs);
    note('postgres-replica', pg.replica!.startupMs);
  });
  afterAll(() => pg?.stop());

  it('replicates a row written on the primary to the replica', async () => {
    await pgQuery(pg.primary.url, 'CREATE TABLE items (id int PRIMARY KEY, name text)');
    await pgQuery(pg.primary.url, "INSERT INTO items VALUES (1, 'written on the primary')");
    await pg.waitForReplica();
    expect(await pgQuery(pg.replica!.url, 'SELECT name FROM items WHERE id = 1')).toEqual([
      { name: 'written on the primary' },
    ]);
    await expect(pgQuery(pg.replica!.url, "INSERT INTO items VALUES (2, 'x')")).rejects.toThrow(/read-only/);
  });

  it('hangs every connection while paused, open ones included, and serves again after resume', async () => {
    const open = new pgLib.Client({ connectionString: pg.primary.url, query_timeout: 300 });
    await open.connect();
    try {
      await pg.primary.pause();
      await expect(open.query('SELECT 1')).rejects.toThrow(/timeout/i);
      await pg.primary.resume();
      expect((await open.query('SELECT 2 AS n')).rows).toEqual([{ n: 2 }]);
    } finally {
      await open.end();
    }
  });

  it('creates a database that exists on both servers', async () => {
    const url = await pg.createDatabase('orders');
    expect(url).toBe(`postgres://postgres@127.0.0.1:${pg.primary.port}/orders`);
    expect(await pgQuery(pg.replica!.urlFor('orders'), 'SELECT current_database() AS db')).toEqual([{ db: 'orders' }]);
  });

  it('keeps committed data when the primary is SIGKILLed and restarted on the same port', async () => {
    await pgQuery(pg.primary.url, "INSERT INTO items VALUES (3, 'before the crash')");
    const { port, pid } = pg.primary;
    await pg.primary.kill();
    expect(isAlive(pid)).toBe(false);
    await expect(pgQuery(pg.primary.url, 'SELECT 1')).rejects.toThrow();
    await pg.primary.restart();
    note('postgres-restart', pg.primary.startupMs);
    expect(pg.primary.port).toBe(port);
    expect(pg.primary.pid).not.toBe(pid);
    expect(await pgQuery(pg.primary.url, 'SELECT name FROM items WHERE id = 3')).toEqual([
      { name: 'before the crash' },
    ]);
    // The replica reconnects through its slot and catches up with writes made after the restart.
    await pgQuery(pg.primary.url, "INSERT INTO items VALUES (4, 'after the restart')");
    await pg.waitForReplica(30_000);
    expect(await pgQuery(pg.replica!.url, 'SELECT count(*)::int AS n FROM items')).toEqual([{ n: 3 }]);
  });
});

describe('ZooKeeper 3-node ensemble', () => {
  let ensemble: ZooKeeperCluster;
  let client: ZkClient;
  beforeAll(async () => {
    // A short tick keeps elections quick; sessions may then last 1–10 s.
    ensemble = await startZooKeeper({ nodes: 3, tickTime: 500 });
    for (const server of ensemble.servers) note('zookeeper-ensemble-node', server.startupMs);
    expect(ensemble.connectionString.split(',')).toHaveLength(3);
    client = zookeeper.createClient(ensemble.connectionString, { sessionTimeout: 8000, spinDelay: 100, retries: 0 });
    const connected = new Promise<void>((resolve) => client.once('connected', resolve));
    client.connect();
    await connected;
  });
  afterAll(async () => {
    client?.close();
    await ensemble?.stop();
  });

  it('keeps a session and its ephemeral znode when the leader is SIGKILLed', async () => {
    const session = client.getSessionId().toString('hex');
    await zk((cb) => client.create('/harness', Buffer.from('ephemeral'), zookeeper.CreateMode.EPHEMERAL, cb));
    const leader = await ensemble.leader();
    await leader.kill();
    expect(leader.running).toBe(false);
    const data = await eventually(() => zk<Buffer>((cb) => client.getData('/harness', cb)));
    expect(data.toString()).toBe('ephemeral');
    // Writes need a new leader: this proves the remaining two re-formed a quorum, not just that a read was served.
    await eventually(() =>
      zk((cb) => client.create('/after-failover', Buffer.alloc(0), zookeeper.CreateMode.EPHEMERAL, cb)),
    );
    expect(client.getSessionId().toString('hex')).toBe(session);
    const next = await ensemble.leader();
    expect(next).not.toBe(leader);

    // The old leader rejoins on its old port with its old data, as a follower.
    await leader.restart();
    note('zookeeper-rejoin', leader.startupMs);
    expect(leader.running).toBe(true);
    expect(ensemble.connectionString).toContain(`127.0.0.1:${leader.port}`);
  });
});

describe('Redis primary and replica', () => {
  let redis: RedisCluster;
  let primary: Redis;
  beforeAll(async () => {
    redis = await startRedis({ replica: true, appendOnly: true });
    note('redis-primary', redis.primary.startupMs);
    note('redis-replica', redis.replica!.startupMs);
    primary = new Redis(redis.primary.url, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 2000 });
    // It reconnects by itself after the restart below; the refused attempts meanwhile are expected.
    primary.on('error', () => {});
  });
  afterAll(async () => {
    primary?.disconnect();
    await redis?.stop();
  });

  it('replicates a SET on the primary to a GET on the replica', async () => {
    await primary.set('greeting', 'hello');
    // WAIT returns once one replica acknowledged the write, so the GET below cannot race it.
    expect(await primary.wait(1, 2000)).toBe(1);
    const replica = new Redis(redis.replica!.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await replica.get('greeting')).toBe('hello');
    } finally {
      replica.disconnect();
    }
  });

  it('hangs while paused and answers again after resume', async () => {
    const probe = new Redis(redis.primary.url, { maxRetriesPerRequest: 0, commandTimeout: 300 });
    try {
      expect(await probe.ping()).toBe('PONG');
      await redis.primary.pause();
      await expect(probe.ping()).rejects.toThrow(/timed out/i);
      await redis.primary.resume();
      expect(await probe.ping()).toBe('PONG');
    } finally {
      probe.disconnect();
    }
  });

  it('restarts on the same port with the same data', async () => {
    await primary.set('survives', 'yes');
    const { port } = redis.primary;
    await redis.primary.restart();
    note('redis-restart', redis.primary.startupMs);
    expect(redis.primary.port).toBe(port);
    const fresh = new Redis(redis.primary.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await fresh.get('survives')).toBe('yes');
    } finally {
      fresh.disconnect();
    }
    await redis.waitForReplica();
  });

  it('fails fast with the log lines when the port is taken at restart', async () => {
    await redis.replica!.stop();
    // It must drop what it accepts: an unread socket never notices its peer left, and close() would wait forever.
    const squatter: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(redis.replica!.port, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      await expect(redis.replica!.restart()).rejects.toThrow(/failed to start[\s\S]*already in use/i);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});

describe('clean-up', () => {
  it('leaves no process and no dir behind after stop', async () => {
    const [standalone, pg, redis] = await Promise.all([startZooKeeper(), startPostgres(), startRedis()]);
    note('zookeeper-standalone', standalone.servers[0]!.startupMs);
    note('postgres-single', pg.primary.startupMs);
    const servers = [...standalone.servers, ...pg.servers, ...redis.servers];
    const pids = servers.map((server) => server.pid);
    const dirs = servers.map((server) => server.dir);
    expect(pids.every((pid) => isAlive(pid))).toBe(true);
    // PostgreSQL forks backends; they must go too.
    expect(processesIn(pg.primary.dir).length).toBeGreaterThan(1);

    await Promise.all([standalone.stop(), pg.stop(), redis.stop()]);
    expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
    expect(dirs.flatMap((dir) => processesIn(dir))).toEqual([]);
    expect(dirs.filter((dir) => existsSync(dir))).toEqual([]);
  });

  it('takes servers down with a test process that is SIGKILLed (pdeathsig), and the sweep removes the dir', async () => {
    const owner = await startProcess({
      args: ['test/harness/test/fixtures/start-redis.ts'],
      ready: /redis pid=\d+/,
      readyTimeoutMs: 30_000,
    });
    const [, pid, dir] = /redis pid=(\d+) dir=(\S+)/.exec(owner.output())!;
    expect(isAlive(Number(pid))).toBe(true);
    await owner.kill('SIGKILL');
    await eventually(async () => {
      if (isAlive(Number(pid))) throw new Error('redis still alive');
    }, 5000);
    sweepStale();
    expect(existsSync(dir!)).toBe(false);
  });

  it('runs a TypeScript process, reads its output and stops it with SIGTERM', async () => {
    const child = await startProcess({
      args: [
        '-e',
        // The handler goes first: 'ready' is the cue to send SIGTERM.
        "process.on('SIGTERM', () => { console.log('bye'); process.exit(3); }); console.log('ready'); setInterval(() => {}, 1000);",
      ],
      ready: /ready/,
    });
    expect(child.pid).toBeGreaterThan(0);
    expect(await child.stop()).toEqual({ code: 3, signal: null });
    expect(child.output()).toContain('bye');
    await expect(child.waitFor(/never printed/, 100)).rejects.toThrow(/exited with code 3/);
  });
});
