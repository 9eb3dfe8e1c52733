import { type DataSource, openDataSource, openPostgres, openSqlite, ShardedTable, SqlTable } from '@stages/data';
import { type PostgresCluster, startPostgres } from '@stages/test-harness';
import { afterAll, beforeAll } from 'vitest';
import { ORDERS, type Order } from '../fixtures/order-repository.js';
import { orderRepositorySuite } from '../suite/order-repository-suite.js';

// The same suite on the embedded database, on one PostgreSQL and on orders sharded over 2 databases x 4 tables.
let pg: PostgresCluster;
const open: DataSource[] = [];
let dropMaria: (() => Promise<void>) | undefined;

beforeAll(async () => {
  pg = await startPostgres();
});

afterAll(async () => {
  await dropMaria?.();
  await Promise.all(open.map((ds) => ds.close()));
  await pg?.stop();
});

async function track<T extends DataSource>(ds: Promise<T>): Promise<T> {
  open.push(await ds);
  return ds;
}

orderRepositorySuite('SQLite', async () => new SqlTable<Order>(await track(openSqlite({ name: 'embedded' })), ORDERS));

orderRepositorySuite('one PostgreSQL', async () => {
  const url = await pg.createDatabase('single');
  return new SqlTable<Order>(await track(openPostgres({ name: 'single', url })), ORDERS);
});

orderRepositorySuite('PostgreSQL sharded 2 x 4', async () => {
  const databases = [
    await track(openPostgres({ name: 'ds0', url: await pg.createDatabase('repo_ds0') })),
    await track(openPostgres({ name: 'ds1', url: await pg.createDatabase('repo_ds1') })),
  ];
  return new ShardedTable<Order>({
    schema: ORDERS,
    shardKey: 'id',
    algorithm: 'hash-modulo',
    databases,
    tablesPerDatabase: 4,
  });
});

// MariaDB runs on this machine (127.0.0.1:3306, root, no password): a database of our own, dropped afterwards.
orderRepositorySuite('MariaDB', async () => {
  const admin = await track(openDataSource({ name: 'maria-admin', url: 'mysql://root@127.0.0.1:3306/test' }));
  const database = `stages_data_${process.pid}`;
  await admin.execute(`DROP DATABASE IF EXISTS ${database}`);
  await admin.execute(`CREATE DATABASE ${database}`);
  dropMaria = () => admin.execute(`DROP DATABASE IF EXISTS ${database}`).then(() => undefined);
  return new SqlTable<Order>(
    await track(openDataSource({ name: 'maria', url: `mysql://root@127.0.0.1:3306/${database}` })),
    ORDERS,
  );
});
