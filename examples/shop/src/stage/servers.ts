import { placeholders } from './profile.js';

export interface StartedServers {
  vars: Record<string, string>;
  /** One line per server this launcher started (printed, so the user knows what runs and where). */
  started: string[];
  stop(): Promise<void>;
}

/**
 * Resolves a profile's server placeholders. A server named in the environment is used as is
 * (SHOP_POSTGRES_URL, SHOP_POSTGRES_REPLICA_URL, SHOP_REDIS_URL, SHOP_ZOOKEEPER); any other the profile needs
 * is started locally with the test harness's code (ZooKeeper, PostgreSQL, Redis from the OS packages; see
 * `npm run services:install`) and stopped by `stop()`.
 */
export async function provideServers(text: string, dataDir: string, env = process.env): Promise<StartedServers> {
  const used = placeholders(text);
  const needs = (kind: string) => used.some((p) => p.kind === kind);
  const vars: Record<string, string> = { dataDir };
  const started: string[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => {});
  };
  try {
    const tasks: Promise<void>[] = [];
    if (needs('pg') || needs('pg-replica')) {
      tasks.push(
        (async () => {
          let primary = env.SHOP_POSTGRES_URL;
          let replica = env.SHOP_POSTGRES_REPLICA_URL;
          let createDatabase: (name: string) => Promise<unknown>;
          if (!primary) {
            const { startPostgres } = await import('@stages/test-harness');
            const pg = await startPostgres({ replica: needs('pg-replica') });
            stops.push(() => pg.stop());
            primary = pg.primary.url;
            replica = pg.replica?.url;
            started.push(`postgres primary ${primary}${replica ? `, replica ${replica}` : ''}`);
            createDatabase = (name) => pg.createDatabase(name);
          } else {
            createDatabase = (name) => createIfMissing(primary as string, name);
          }
          for (const p of used.filter((u) => u.kind === 'pg' || u.kind === 'pg-replica')) {
            const db = p.arg ?? 'postgres';
            if (p.kind === 'pg') {
              if (!vars[`pg:${db}`]) await createDatabase(db);
              vars[`pg:${db}`] = withDatabase(primary, db);
            } else {
              if (!replica) throw new Error('the profile needs a PostgreSQL replica: set SHOP_POSTGRES_REPLICA_URL');
              vars[`pg-replica:${db}`] = withDatabase(replica, db);
            }
          }
        })(),
      );
    }
    if (needs('redis')) {
      tasks.push(
        (async () => {
          if (env.SHOP_REDIS_URL) vars.redis = env.SHOP_REDIS_URL;
          else {
            const { startRedis } = await import('@stages/test-harness');
            const redis = await startRedis();
            stops.push(() => redis.stop());
            vars.redis = redis.primary.url;
            started.push(`redis ${vars.redis}`);
          }
        })(),
      );
    }
    if (needs('zk')) {
      tasks.push(
        (async () => {
          if (env.SHOP_ZOOKEEPER) vars.zk = env.SHOP_ZOOKEEPER;
          else {
            const { startZooKeeper } = await import('@stages/test-harness');
            const zk = await startZooKeeper({ nodes: 1 });
            stops.push(() => zk.stop());
            vars.zk = zk.connectionString;
            started.push(`zookeeper ${vars.zk}`);
          }
        })(),
      );
    }
    const results = await Promise.allSettled(tasks);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (error) {
    await stop();
    throw error;
  }
  return { vars, started, stop };
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(db)}`;
  return u.toString();
}

async function createIfMissing(serverUrl: string, db: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
    if (!rowCount) await client.query(`CREATE DATABASE "${db.replaceAll('"', '')}"`);
  } finally {
    await client.end();
  }
}
