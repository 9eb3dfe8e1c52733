// Point query through Stages' data layer versus raw `pg`, same server, same pool size, same run.
//   node --import @swc-node/register/esm-register bench/data/point-query.ts
// Prints ops/s for raw pg.Pool, the PostgreSQL datasource and the read/write split router, and the ratios.
// Rounds alternate between the contenders so drift on a shared machine hits them alike; medians are reported.
import { openPostgres, PostgresDataSource, ReadWriteSplit } from '@stages/data';
import { startPostgres } from '@stages/test-harness';
import pg from 'pg';

const POOL = 8;
const CONCURRENCY = 16;
const ROUND_MS = Number(process.env.ROUND_MS ?? 250);
const ROUNDS = Number(process.env.ROUNDS ?? 30);
const ROWS = 10_000;
const SQL = 'SELECT id, name, price FROM items WHERE id = $1';

process.env.STAGES_LOG_LEVEL ??= 'warn';
const server = await startPostgres();
try {
  // The raw pool gets the same pool settings the datasource uses (its defaults), so only the layer differs.
  const raw = new pg.Pool({
    connectionString: server.primary.url,
    max: POOL,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: 5_000,
  });
  raw.on('error', () => {});
  await raw.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price int NOT NULL)');
  await raw.query(`INSERT INTO items SELECT g, 'item ' || g, g % 1000 FROM generate_series(1, ${ROWS}) g`);
  await raw.query('ANALYZE items');

  const driver = await openPostgres({ name: 'bench', url: server.primary.url, max: POOL });
  const primary = await openPostgres({ name: 'bench-rw', url: server.primary.url, max: POOL, role: 'primary' });
  const router = new ReadWriteSplit({ name: 'bench-rw', primary, replicas: [] });

  type Contender = { name: string; query: (id: number) => Promise<unknown> };
  const contenders: Contender[] = [
    { name: 'raw pg.Pool', query: (id) => raw.query(SQL, [id]) },
    { name: 'stages PostgresDataSource', query: (id) => driver.query(SQL, [id]) },
    { name: 'stages ReadWriteSplit', query: (id) => router.query(SQL, [id]) },
  ];

  // Client CPU per query (user + system of this process): the layer's own cost, much less sensitive to other
  // processes' load than throughput is.
  const cpu = new Map<string, { micros: number; queries: number }>(
    contenders.map((c) => [c.name, { micros: 0, queries: 0 }]),
  );

  async function round(c: Contender, ms: number): Promise<number> {
    let done = 0;
    const cpuStart = process.cpuUsage();
    const end = performance.now() + ms;
    let seed = 1;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          seed = (seed * 48271) % 2147483647;
          await c.query((seed % ROWS) + 1);
          done++;
        }
      }),
    );
    const used = process.cpuUsage(cpuStart);
    const acc = cpu.get(c.name) as { micros: number; queries: number };
    acc.micros += used.user + used.system;
    acc.queries += done;
    return (done / ms) * 1000;
  }

  for (const c of contenders) await round(c, 500); // warm-up: connections open, plans cached
  for (const acc of cpu.values()) Object.assign(acc, { micros: 0, queries: 0 });
  const results = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of r % 2 === 0 ? contenders : [...contenders].reverse())
      results.get(c.name)?.push(await round(c, ROUND_MS));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  // Load from other processes swings throughput between rounds; a ratio taken within one cycle (adjacent
  // slices) cancels most of it, so the reported ratio is the median of per-cycle ratios.
  const rawRounds = results.get('raw pg.Pool') as number[];
  console.log(
    `point query, pool ${POOL}, ${CONCURRENCY} in flight, ${ROUNDS} cycles of ${ROUND_MS} ms slices per contender`,
  );
  for (const [name, xs] of results) {
    const ratios = xs.map((x, i) => x / (rawRounds[i] as number));
    const c = cpu.get(name) as { micros: number; queries: number };
    const r = cpu.get('raw pg.Pool') as { micros: number; queries: number };
    const perQuery = c.micros / c.queries;
    console.log(
      `${name.padEnd(28)} median ${median(xs).toFixed(0).padStart(7)} ops/s   throughput ratio (median per cycle) ${median(ratios).toFixed(3)}   client CPU ${perQuery.toFixed(1)} us/query, ratio ${(r.micros / r.queries / perQuery).toFixed(3)}`,
    );
  }
  await Promise.all([raw.end(), driver.close(), router.close()]);
  await layerOverhead();
} finally {
  await server.stop();
}

/**
 * The layer's own cost with the network taken out: the same calls against a stub pool that answers at once.
 * Less sensitive to other processes' load than throughput, and it says what the ratio above would be on an idle
 * machine: overhead / (per-query time of raw pg).
 */
async function layerOverhead(): Promise<void> {
  const result = { rows: [{ id: 1 }], rowCount: 1 };
  class StubPool {
    on() {}
    query() {
      return Promise.resolve(result);
    }
    end() {
      return Promise.resolve();
    }
  }
  const stubPg = { ...pg, Pool: StubPool } as unknown as typeof pg;
  const ds = new PostgresDataSource(stubPg as never, { name: 'stub', url: 'postgres://stub@127.0.0.1/stub' });
  const rw = new ReadWriteSplit({ name: 'stub-rw', primary: ds, replicas: [] });
  const stub = new StubPool();
  const N = 300_000;
  const time = async (f: () => Promise<unknown>) => {
    for (let i = 0; i < 50_000; i++) await f();
    const t = performance.now();
    for (let i = 0; i < N; i++) await f();
    return ((performance.now() - t) * 1e6) / N;
  };
  const samples = { raw: [] as number[], ds: [] as number[], rw: [] as number[] };
  for (let r = 0; r < 5; r++) {
    samples.raw.push(await time(() => stub.query()));
    samples.ds.push(await time(() => ds.query(SQL, [1])));
    samples.rw.push(await time(() => rw.query(SQL, [1])));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[2] as number;
  console.log(
    `layer cost on a stub pool (median of 5): stub ${med(samples.raw).toFixed(0)} ns/call, PostgresDataSource +${(med(samples.ds) - med(samples.raw)).toFixed(0)} ns, ReadWriteSplit +${(med(samples.rw) - med(samples.raw)).toFixed(0)} ns`,
  );
}
