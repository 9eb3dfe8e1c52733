import { type DataSource, DataSources, defineApi, InjectDataSource, Rpc, Service, Stages } from '@stages/core';
import { type PostgresCluster, startPostgres } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Seen {
  replica: boolean;
  n: number;
}
interface LedgerApi {
  where(req: { ds: string }): Promise<boolean>;
  writeThenRead(req: { ds: string; id: string }): Promise<Seen>;
}
const LedgerApi = defineApi<LedgerApi>('ledger');

@Service({ name: 'ledger' })
class LedgerService implements LedgerApi {
  constructor(
    @InjectDataSource('orders') private readonly orders: DataSource,
    private readonly data: DataSources,
  ) {}

  @Rpc({ idempotent: true })
  async where(req: { ds: string }): Promise<boolean> {
    const ds = req.ds === 'orders' ? this.orders : this.data.get(req.ds);
    const [row] = await ds.query<{ replica: boolean }>('SELECT pg_is_in_recovery() AS replica');
    return row?.replica === true;
  }

  /** A write, then a read in the same call: the read must see the write, wherever it is routed. */
  @Rpc()
  async writeThenRead(req: { ds: string; id: string }): Promise<Seen> {
    const ds = this.data.get(req.ds);
    await ds.execute('INSERT INTO entries (id) VALUES ($1)', [req.id]);
    const [row] = await ds.query<Seen>(
      'SELECT pg_is_in_recovery() AS replica, (SELECT count(*)::int FROM entries WHERE id = $1) AS n',
      [req.id],
    );
    return row as Seen;
  }
}

describe('call context into data access: read-your-writes through a service, on a real primary + replica', () => {
  let pg: PostgresCluster;
  let app: Stages;
  beforeAll(async () => {
    // Streaming replication is asynchronous: the replica replays a commit shortly after the primary acknowledges
    // it. (With synchronous_commit = off on the primary, @stages/data's WAL mode is not safe yet: it reads
    // pg_current_wal_lsn(), which lags the commit record there; see docs/integrations.md.)
    pg = await startPostgres({ replica: true });
    const primary = await pg.createDatabase('core_ryw');
    const replica = pg.replica?.urlFor('core_ryw') as string;
    const split = { url: primary, replicas: [replica], healthIntervalMs: 200, pool: { max: 4 } };
    app = await Stages.create({
      services: [LedgerService],
      config: {
        app: { name: 'ledger' },
        admin: { enabled: false },
        datasources: {
          orders: { ...split, readYourWrites: 'primary' as const },
          audit: split, // PostgreSQL default: 'wal' (a replica known to have replayed the write, else the primary)
        },
      },
      handleSignals: false,
    }).start();
    await app.dataSources.get('orders').execute('CREATE TABLE entries (id TEXT PRIMARY KEY)');
    await pg.waitForReplica();
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await pg?.stop();
  });

  it('reads go to the replica, a write pins the rest of that call to the primary, the next call reads the replica', async () => {
    const ledger = app.client<LedgerApi>(LedgerApi);
    const end = Date.now() + 10_000;
    while (!(await ledger.where({ ds: 'orders' }))) {
      if (Date.now() > end) throw new Error('the replica never served a read');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 5; i++) {
      await expect(ledger.writeThenRead({ ds: 'orders', id: `o${i}` })).resolves.toEqual({ replica: false, n: 1 });
      // The pin belonged to that call's context only.
      await expect(ledger.where({ ds: 'orders' })).resolves.toBe(true);
    }
  });

  it('in WAL mode the same call sees its write (a replica only once it has replayed it)', async () => {
    const ledger = app.client<LedgerApi>(LedgerApi);
    for (let i = 0; i < 5; i++) {
      const seen = await ledger.writeThenRead({ ds: 'audit', id: `a${i}` });
      expect(seen.n).toBe(1);
    }
  });
});
