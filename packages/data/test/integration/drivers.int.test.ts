import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWithContext } from '@stages/common';
import { type DataSource, openDataSource, openPostgres, openSqlite } from '@stages/data';
import { freePort, type PostgresCluster, startPostgres } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let pg: PostgresCluster;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
});

/** The same contract checks on every driver. */
async function contract(ds: DataSource, table: string): Promise<void> {
  await ds.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL)`);
  try {
    expect(await ds.execute(`INSERT INTO ${table} (id, name) VALUES ($1, $2), ($3, $2)`, [1, 'a', 2])).toMatchObject({
      rowCount: 2,
    });
    // $n may repeat and appear out of order; a '$1' literal stays a literal.
    expect(
      await ds.query(`SELECT id, '$1' AS lit FROM ${table} WHERE name = $2 AND id >= $1 ORDER BY id`, [2, 'a']),
    ).toEqual([{ id: 2, lit: '$1' }]);
    await expect(ds.execute(`INSERT INTO ${table} (id, name) VALUES ($1, $2)`, [1, 'dup'])).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
      details: { datasource: ds.name },
    });
    await expect(ds.query('SELEC nonsense')).rejects.toMatchObject({ code: 'DATASOURCE_ERROR', retryable: false });

    // Committed on success, rolled back on throw.
    await ds.transaction(async (tx) => {
      await tx.execute(`INSERT INTO ${table} (id, name) VALUES ($1, $2)`, [3, 'tx']);
    });
    const boom = new Error('boom');
    await expect(
      ds.transaction(async (tx) => {
        await tx.execute(`INSERT INTO ${table} (id, name) VALUES ($1, $2)`, [4, 'rolled back']);
        throw boom;
      }),
    ).rejects.toBe(boom); // the callback's own error, unchanged
    expect((await ds.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`)).map((r) => r.id)).toEqual([1, 2, 3]);
    await ds.health();
  } finally {
    await ds.execute(`DROP TABLE ${table}`);
  }
}

describe('PostgreSQL driver', () => {
  it('keeps the DataSource contract', async () => {
    const ds = await openPostgres({ name: 'pg', url: pg.primary.url, max: 2 });
    try {
      await contract(ds, 'contract_pg');
      // 64-bit values come back as numbers when exact and as BigInt when not.
      expect(await ds.query("SELECT 42::int8 AS small, '9007199254740993'::int8 AS big")).toEqual([
        { small: 42, big: 9007199254740993n },
      ]);
      expect(await ds.execute('CREATE TEMP TABLE seq_t (id serial PRIMARY KEY)')).toMatchObject({ rowCount: 0 });
    } finally {
      await ds.close();
    }
  });

  it('enforces statement timeouts and the call deadline', async () => {
    const ds = await openPostgres({ name: 'slow', url: pg.primary.url, statementTimeoutMs: 100 });
    try {
      await expect(ds.query('SELECT pg_sleep(2)')).rejects.toMatchObject({
        code: 'DEADLINE_EXCEEDED',
        details: { datasource: 'slow' },
      });
      const started = Date.now();
      await expect(
        runWithContext({ deadline: Date.now() + 50 }, () => ds.query('SELECT pg_sleep(0.05), pg_sleep(1)')),
      ).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      expect(Date.now() - started).toBeLessThan(1000);
      await expect(runWithContext({ deadline: Date.now() - 1 }, () => ds.query('SELECT 1'))).rejects.toMatchObject({
        code: 'DEADLINE_EXCEEDED',
      });
    } finally {
      await ds.close();
    }
  });

  it('reports an unreachable server as retryable DATASOURCE_ERROR naming the datasource, never the password', async () => {
    const port = await freePort();
    const ds = await openPostgres({
      name: 'billing',
      url: `postgres://app:s3cret-pw@127.0.0.1:${port}/x`,
      connectionTimeoutMs: 500,
    });
    try {
      const error = await ds.health().catch((e) => e);
      expect(error).toMatchObject({ code: 'DATASOURCE_ERROR', retryable: true, details: { datasource: 'billing' } });
      expect(error.message).toContain('billing');
      expect(JSON.stringify(error.toWire())).not.toContain('s3cret');
      expect(error.message).not.toContain('s3cret');
    } finally {
      await ds.close();
    }
  });
});

describe('SQLite driver', () => {
  it('keeps the DataSource contract on a WAL file database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stages-sqlite-'));
    const ds = await openSqlite({ name: 'embedded', filename: join(dir, 'app.db') });
    try {
      await contract(ds, 'contract_sqlite');
      expect(await ds.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      await expect(runWithContext({ deadline: Date.now() - 1 }, () => ds.query('SELECT 1'))).rejects.toMatchObject({
        code: 'DEADLINE_EXCEEDED',
      });
    } finally {
      await ds.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps other callers out of an open transaction', async () => {
    const ds = await openSqlite({ name: 'mem' });
    await ds.execute('CREATE TABLE t (v INTEGER)');
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const tx = ds.transaction(async (t) => {
      await t.execute('INSERT INTO t VALUES (1)');
      await gate;
      throw new Error('roll back');
    });
    // Issued while the transaction is open: it must not see (or join) the uncommitted row.
    const outside = ds.query<{ n: number }>('SELECT count(*) AS n FROM t');
    release();
    await expect(tx).rejects.toThrow('roll back');
    expect(await outside).toEqual([{ n: 0 }]);
    // Using the datasource instead of tx inside the callback would wait for itself: refused, not hung.
    await expect(ds.transaction(() => ds.query('SELECT 1'))).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    expect(await ds.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    await ds.close();
  });
});

describe('MySQL/MariaDB driver (MariaDB on 127.0.0.1:3306)', () => {
  it('keeps the DataSource contract', async () => {
    const ds = await openDataSource({ name: 'maria', url: 'mysql://root@127.0.0.1:3306/test' });
    try {
      await contract(ds, `contract_mysql_${process.pid}`);
    } finally {
      await ds.close();
    }
  });
});

describe('driver loading', () => {
  it('names the missing package', async () => {
    const { loadModule } = await import('../../src/internal/load-module.js');
    await expect(loadModule('stages-no-such-driver', 'the X datasource')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('npm install stages-no-such-driver'),
    });
  });

  it('picks the driver from the URL scheme and refuses unknown ones', async () => {
    const ds = await openDataSource({ name: 'u', url: 'sqlite::memory:' });
    expect(ds.dialect).toBe('sqlite');
    await ds.close();
    await expect(openDataSource({ name: 'u', url: 'oracle://x' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
