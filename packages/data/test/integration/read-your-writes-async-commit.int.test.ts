import { runWithContext } from '@stages/common';
import { openReadWriteSplit, type ReadWriteSplit } from '@stages/data';
import { type PostgresCluster, pgQuery, startPostgres } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// With synchronous_commit=off a commit returns before its WAL record is written, so the primary's write position
// (pg_current_wal_lsn) can still be short of the commit. Read-your-writes must wait for the insert position, or a
// replica that has "caught up" to the write position would hide the caller's own row.
describe('read-your-writes (wal mode) on a primary with synchronous_commit=off', () => {
  let pg: PostgresCluster;
  let rw: ReadWriteSplit;
  beforeAll(async () => {
    pg = await startPostgres({ replica: true, synchronousCommit: false });
    await pgQuery(pg.primary.url, 'CREATE TABLE ryw (id serial PRIMARY KEY, body text NOT NULL)');
    await pg.waitForReplica();
    rw = await openReadWriteSplit({
      name: 'ryw',
      primary: { type: 'postgres', url: pg.primary.url, max: 4 },
      replicas: [{ type: 'postgres', url: pg.replica!.url, max: 4 }],
      healthIntervalMs: 100,
      maxLagMs: 60_000,
      readYourWrites: 'wal',
    });
    await rw.checkReplicas();
  });
  afterAll(async () => {
    await rw?.close();
    await pg?.stop();
  });

  it('always sees the row the same call just wrote', async () => {
    let seen = 0;
    for (let i = 0; i < 30; i++) {
      await runWithContext({}, async () => {
        const body = `note-${i}`;
        await rw.execute('INSERT INTO ryw (body) VALUES ($1)', [body]);
        const rows = await rw.query<{ body: string }>('SELECT body FROM ryw WHERE body = $1', [body]);
        if (rows.length === 1) seen++;
      });
    }
    expect(seen).toBe(30);
  });
});
