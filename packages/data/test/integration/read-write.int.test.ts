import { execFileSync } from 'node:child_process';
import { runWithContext } from '@stages/common';
import { openReadWriteSplit, type ReadWriteSplit } from '@stages/data';
import { type PostgresCluster, pgQuery, startPostgres } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Where a statement ran is read from the server that ran it: inet_server_port() and pg_is_in_recovery()
// are evaluated by whichever PostgreSQL executes the statement, not by the router.
const WHERE = 'SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby';

let pg: PostgresCluster;
let rw: ReadWriteSplit;
let primaryPort: number;
let replicaPort: number;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * SIGSTOP to the whole server. The harness's pause() stops the postmaster only, and PostgreSQL's backends
 * (one process per connection) keep answering on connections already open; a hung machine stops them all.
 */
function signalTree(pid: number, signal: 'SIGSTOP' | 'SIGCONT'): void {
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
  for (const target of [pid, ...children]) {
    try {
      process.kill(target, signal);
    } catch {
      // A backend that exited meanwhile (its connection was dropped after a timeout).
    }
  }
}

function split(maxLagMs: number): Promise<ReadWriteSplit> {
  return openReadWriteSplit({
    name: 'main',
    primary: { type: 'postgres', url: pg.primary.url, max: 4 },
    replicas: [{ type: 'postgres', url: pg.replica!.url, max: 4 }],
    healthIntervalMs: 100,
    healthTimeoutMs: 300,
    replicaTimeoutMs: 500,
    maxLagMs,
  });
}

beforeAll(async () => {
  pg = await startPostgres({ replica: true });
  primaryPort = pg.primary.port;
  replicaPort = (pg.replica as { port: number }).port;
  await pgQuery(pg.primary.url, 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, port int NOT NULL)');
  await pg.waitForReplica();
  rw = await split(60_000);
  await rw.checkReplicas();
});

afterAll(async () => {
  await rw?.close();
  await pg?.stop();
});

describe('read/write split on a real primary and streaming replica', () => {
  it('sends reads to the replica and writes, hinted reads and transactions to the primary', async () => {
    const reads = await Promise.all([rw.query(WHERE), rw.query(WHERE), rw.query(WHERE)]);
    for (const [row] of reads) expect(row).toEqual({ port: replicaPort, standby: true });
    expect(rw.replicaStatus()).toEqual([expect.objectContaining({ name: 'main-replica-0', healthy: true, lagMs: 0 })]);

    // The INSERT records the port of the server that executed it.
    await rw.execute('INSERT INTO notes (body, port) VALUES ($1, inet_server_port())', ['w1']);
    const [stored] = await pgQuery<{ port: number }>(pg.primary.url, "SELECT port FROM notes WHERE body = 'w1'");
    expect(stored?.port).toBe(primaryPort);

    expect((await rw.query(WHERE, [], { primary: true }))[0]).toEqual({ port: primaryPort, standby: false });
    const inTx = await rw.transaction(async (tx) => {
      await tx.execute('INSERT INTO notes (body, port) VALUES ($1, inet_server_port())', ['tx']);
      return tx.query(WHERE);
    });
    expect(inTx[0]).toEqual({ port: primaryPort, standby: false });
  });

  it('read-your-writes: a call sees its own write while the replica lags, other calls read the replica', async () => {
    // Replay paused: the replica is up and answering, but frozen in the past.
    await pgQuery(pg.replica!.url, 'SELECT pg_wal_replay_pause()');
    try {
      await runWithContext({}, async () => {
        await rw.execute('INSERT INTO notes (body, port) VALUES ($1, inet_server_port())', ['mine']);
        const rows = await rw.query<{ body: string; port: number }>(
          'SELECT body, inet_server_port() AS port FROM notes WHERE body = $1',
          ['mine'],
        );
        expect(rows).toEqual([{ body: 'mine', port: primaryPort }]);
      });
      // Another call, no write of its own: served by the lagging replica, which has not seen the row.
      await runWithContext({}, async () => {
        const rows = await rw.query<{ n: number; port: number }>(
          'SELECT count(*)::int AS n, inet_server_port() AS port FROM notes WHERE body = $1',
          ['mine'],
        );
        expect(rows).toEqual([{ n: 0, port: replicaPort }]);
      });
    } finally {
      await pgQuery(pg.replica!.url, 'SELECT pg_wal_replay_resume()');
    }
    // Caught up again: a call that writes then reads goes to the replica once it has replayed past the write's
    // WAL position (wal mode), and finds the row there.
    await runWithContext({}, async () => {
      await rw.execute('INSERT INTO notes (body, port) VALUES ($1, inet_server_port())', ['later']);
      await pg.waitForReplica();
      await rw.checkReplicas();
      const rows = await rw.query<{ body: string; port: number }>(
        'SELECT body, inet_server_port() AS port FROM notes WHERE body = $1',
        ['later'],
      );
      expect(rows).toEqual([{ body: 'later', port: replicaPort }]);
    });
  });

  it('takes a replica lagging past maxLagMs out of rotation and brings it back when it catches up', async () => {
    const strict = await split(300);
    try {
      await strict.checkReplicas();
      expect((await strict.query(WHERE))[0]).toEqual({ port: replicaPort, standby: true });
      await pgQuery(pg.replica!.url, 'SELECT pg_wal_replay_pause()');
      await strict.execute("INSERT INTO notes (body, port) VALUES ('lag', 0)");
      await until('replica out for lag', () => strict.replicaStatus()[0]?.healthy === false);
      expect(strict.replicaStatus()[0]?.error).toMatch(/lagging/);
      expect((await strict.query(WHERE))[0]).toEqual({ port: primaryPort, standby: false });
      await pgQuery(pg.replica!.url, 'SELECT pg_wal_replay_resume()');
      await until('replica back', () => strict.replicaStatus()[0]?.healthy === true);
      expect((await strict.query(WHERE))[0]).toEqual({ port: replicaPort, standby: true });
    } finally {
      await pgQuery(pg.replica!.url, 'SELECT pg_wal_replay_resume()').catch(() => {});
      await strict.close();
    }
  });

  it('replica paused (SIGSTOP): reads and read-your-writes continue on the primary; resumed: reads return', async () => {
    await pg.replica!.pause();
    signalTree(pg.replica!.pid, 'SIGSTOP');
    try {
      // The first read may be the one that finds the replica hung: it is retried on the primary.
      const [first] = await rw.query(WHERE);
      expect(first).toEqual({ port: primaryPort, standby: false });
      await until('replica out', () => rw.replicaStatus()[0]?.healthy === false);
      await runWithContext({}, async () => {
        await rw.execute('INSERT INTO notes (body, port) VALUES ($1, inet_server_port())', ['paused']);
        const rows = await rw.query<{ body: string }>('SELECT body FROM notes WHERE body = $1', ['paused']);
        expect(rows).toEqual([{ body: 'paused' }]);
      });
      expect((await rw.query(WHERE))[0]).toEqual({ port: primaryPort, standby: false });
    } finally {
      signalTree(pg.replica!.pid, 'SIGCONT');
      await pg.replica!.resume();
    }
    await until('replica back after resume', () => rw.replicaStatus()[0]?.healthy === true);
    expect((await rw.query(WHERE))[0]).toEqual({ port: replicaPort, standby: true });
  });

  it('replica stopped: reads continue on the primary without errors; restarted: reads return to it', async () => {
    await pg.replica!.stop();
    const results = await Promise.all(Array.from({ length: 5 }, () => rw.query(WHERE)));
    for (const [row] of results) expect(row).toEqual({ port: primaryPort, standby: false });
    expect(rw.replicaStatus()[0]?.healthy).toBe(false);

    await pg.replica!.restart();
    await until('replica back after restart', () => rw.replicaStatus()[0]?.healthy === true, 15_000);
    expect((await rw.query(WHERE))[0]).toEqual({ port: replicaPort, standby: true });
  });
});
