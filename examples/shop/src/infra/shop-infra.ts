import { mkdirSync } from 'node:fs';
import { TwoLevelCache } from '@stages/cache';
import { createLogger, StagesError } from '@stages/core';
import {
  type DataSource,
  migrate,
  openDataSource,
  ReadWriteSplit,
  ShardedTable,
  Snowflake,
  SqlTable,
  type Table,
} from '@stages/data';
import { type EventBus, eventBuses, Outbox, OutboxRelay } from '@stages/esb';
import { MIGRATIONS, ORDER_MIGRATIONS, ORDERS, type OrderRow } from './schema.js';
import { type DbSpec, DOMAINS, type Domain, type ShopSettings } from './settings.js';

const log = createLogger('shop.infra');

/**
 * Everything the shop's services share that is not a service: datasources per domain, the cache, the event
 * bus, the outbox and the id generator. Built from the stage profile before the app starts, then injected
 * (services ask for `ShopInfra` in their constructor), so the service classes never change between stages.
 */
export class ShopInfra {
  readonly outbox = new Outbox();
  readonly ids = new Snowflake({ workerId: process.pid % 1024 });
  readonly #byUrl = new Map<string, DataSource>();
  readonly #domains = new Map<Domain, DataSource>();
  readonly #relays: OutboxRelay[] = [];
  readonly #ready: (() => Promise<void>)[] = [];
  #orders: Table<OrderRow> | undefined;
  #orderDatabases: DataSource[] = [];

  private constructor(
    readonly settings: ShopSettings,
    readonly cache: TwoLevelCache,
    readonly bus: EventBus,
  ) {}

  /** Opens what `domains` need (a process serving only catalog opens only catalog's database) and migrates it. */
  static async open(settings: ShopSettings, domains: readonly Domain[] = DOMAINS): Promise<ShopInfra> {
    const cache = await TwoLevelCache.create({
      ttlMs: settings.cache?.ttlMs ?? 60_000,
      ...(settings.cache?.redis ? { redis: { url: settings.cache.redis } } : {}),
    });
    const bus = eventBuses.resolve((settings.bus ?? 'in-process') as never);
    const infra = new ShopInfra(settings, cache, bus);
    try {
      for (const domain of domains) await infra.#openDomain(domain);
    } catch (error) {
      await infra.close();
      throw error;
    }
    return infra;
  }

  db(domain: Domain): DataSource {
    const ds = this.#domains.get(domain);
    if (!ds) throw new StagesError('FAILED_PRECONDITION', `this process did not open the ${domain} database`);
    return ds;
  }

  /** The orders table: a plain table, or a ShardedTable over several databases at stage 7. */
  get orders(): Table<OrderRow> {
    if (!this.#orders) throw new StagesError('FAILED_PRECONDITION', 'this process did not open the order database');
    return this.#orders;
  }

  /**
   * Runs `fn` in a transaction on the database holding `userId`'s orders, with the orders table bound to that
   * transaction: the order row and its outbox event commit together, even when orders are sharded.
   */
  async inOrderShard<T>(userId: string, fn: (tx: DataSource, orders: SqlTable<OrderRow>) => Promise<T>): Promise<T> {
    const table = this.orders;
    const shard =
      table instanceof ShardedTable
        ? (table.shards[table.shardOf(userId)] as SqlTable<OrderRow>)
        : (table as SqlTable<OrderRow>);
    return shard.ds.transaction((tx) => fn(tx, new SqlTable<OrderRow>(tx, ORDERS, shard.physical)));
  }

  /** Work that needs the app running (a search index built by calling catalog). Services register it. */
  onReady(fn: () => Promise<void>): void {
    this.#ready.push(fn);
  }

  /** Called by main once the app is started; then the outbox relays start publishing. */
  async ready(): Promise<void> {
    for (const fn of this.#ready) await fn();
    for (const ds of this.#orderDatabases) {
      const relay = new OutboxRelay({ dataSource: ds, bus: this.bus, outbox: this.outbox, intervalMs: 200 });
      relay.start();
      this.#relays.push(relay);
    }
  }

  async close(): Promise<void> {
    for (const relay of this.#relays.splice(0)) await relay.stop();
    await this.bus.close();
    await this.cache.close();
    for (const ds of this.#byUrl.values()) await ds.close().catch(() => {});
    this.#byUrl.clear();
  }

  async #openDomain(domain: Domain): Promise<void> {
    if (domain === 'order') return this.#openOrders();
    const ds = await this.#open(this.settings.data.domains?.[domain] ?? this.settings.data.default);
    await migrateOnce(ds, MIGRATIONS[domain], domain);
    this.#domains.set(domain, ds);
  }

  async #openOrders(): Promise<void> {
    const sharding = this.settings.orderShards;
    const specs = sharding?.databases ?? [this.settings.data.domains?.order ?? this.settings.data.default];
    this.#orderDatabases = [];
    for (const spec of specs) this.#orderDatabases.push(await this.#open(spec));
    for (const ds of this.#orderDatabases) await this.outbox.ensureTable(ds);
    this.#orders = sharding
      ? new ShardedTable<OrderRow>({
          schema: ORDERS,
          shardKey: 'user_id',
          algorithm: 'hash-modulo',
          databases: this.#orderDatabases,
          tablesPerDatabase: sharding.tablesPerDatabase,
        })
      : new SqlTable<OrderRow>(this.#orderDatabases[0] as DataSource, ORDERS);
    await retryOnce(() => this.#orders!.migrate(ORDER_MIGRATIONS));
    this.#domains.set('order', this.#orderDatabases[0] as DataSource);
  }

  /** One datasource per URL: domains that share a database at this stage share its pool. */
  async #open(spec: DbSpec): Promise<DataSource> {
    const key = [spec.url, ...(spec.replicas ?? [])].join(' ');
    const existing = this.#byUrl.get(key);
    if (existing) return existing;
    const name = redactedName(spec.url);
    if (spec.url.startsWith('sqlite:')) mkdirSync(dirOf(spec.url.slice('sqlite:'.length)), { recursive: true });
    const primary = await openDataSource({ name, url: spec.url });
    const ds = spec.replicas?.length
      ? new ReadWriteSplit({
          name,
          primary,
          replicas: await Promise.all(
            spec.replicas.map((url, i) => openDataSource({ name: `${name}-replica${i}`, url })),
          ),
        })
      : primary;
    this.#byUrl.set(key, ds);
    log.info({ datasource: name, replicas: spec.replicas?.length ?? 0 }, 'datasource open');
    return ds;
  }
}

function migrateOnce(ds: DataSource, migrations: Parameters<typeof migrate>[1], scope: string) {
  return retryOnce(() => migrate(ds, migrations, { scope }));
}

/** Two instances starting together race on CREATE TABLE; the loser's second try sees the ledger and skips. */
async function retryOnce<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 300));
    return fn();
  }
}

function redactedName(url: string): string {
  const m = /^(\w+):\/\/(?:[^@/]*@)?([^/]+)\/([^?]*)/.exec(url);
  return m ? `${m[1]}:${m[2]}/${m[3]}` : url.replace(/^sqlite:/, 'sqlite:');
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '.' : path.slice(0, i);
}
