import { type PluginSpec, StagesError } from '@stages/common';
import type { DataSource, Row } from '../datasource.js';
import { type Migration, migrate } from '../migrations.js';
import { quoteIdent } from '../sql/dialect.js';
import { type AggregateSpec, combine } from '../table/aggregate.js';
import { checkPaging, type FindOptions, isCondition, sortKeys, type Where } from '../table/query.js';
import { checkColumn, compareValues, type TableSchema } from '../table/schema.js';
import { SqlTable } from '../table/sql-table.js';
import type { Table } from '../table/table.js';
import type { ShardingAlgorithm } from './algorithm.js';
import { shardingAlgorithms } from './resolve.js';

/** One physical table: a table name in one database. */
export interface ShardTarget {
  datasource: DataSource;
  table: string;
}

export interface ShardedTableOptions {
  schema: TableSchema;
  /** The column whose value picks the shard. Every insert must carry it. */
  shardKey: string;
  /** `hash-modulo`, `modulo`, `{ type: 'range', options }`, `{ type: 'time-month', options }` or an instance. */
  algorithm: PluginSpec<ShardingAlgorithm, Record<string, unknown>>;
  /**
   * The physical tables, shard 0 first. Or give `databases` and `tablesPerDatabase`: shard i is then table
   * `<name>_<i mod T>` in database `floor(i / T)` (2 databases x 4 tables: shards 0-3 in the first, 4-7 in the
   * second).
   */
  targets?: readonly ShardTarget[];
  databases?: readonly DataSource[];
  tablesPerDatabase?: number;
  /**
   * Whether a statement without the shard key may run on every shard and merge (default true). False makes
   * such statements fail with SHARD_KEY_REQUIRED: for tables too large to scan everywhere.
   */
  fanOut?: boolean;
}

/**
 * Stage 7: one logical table spread over physical tables in several databases. A statement with the shard key
 * goes to exactly one shard; one without it runs on every shard in parallel and the results are merged:
 * rows re-sorted by the same keys the shards sorted by (primary key last, so ties are stable), LIMIT/OFFSET
 * applied after the merge (each shard returns its first offset+limit rows), and aggregates combined
 * (see table/aggregate.ts).
 */
export class ShardedTable<R extends object> implements Table<R> {
  readonly name: string;
  readonly schema: TableSchema;
  readonly shardKey: string;
  readonly algorithm: ShardingAlgorithm;
  readonly shards: readonly SqlTable<R>[];
  readonly #fanOut: boolean;

  constructor(options: ShardedTableOptions) {
    this.schema = options.schema;
    this.name = options.schema.name;
    this.shardKey = options.shardKey;
    checkColumn(this.schema, this.shardKey);
    this.algorithm = shardingAlgorithms.resolve(options.algorithm);
    this.#fanOut = options.fanOut ?? true;
    const targets = options.targets ?? layout(options);
    if (targets.length === 0) throw new StagesError('CONFIG_INVALID', `sharded table "${this.name}" has no shards`);
    this.shards = targets.map((t) => new SqlTable<R>(t.datasource, this.schema, t.table));
  }

  /** The shard index a key value maps to. */
  shardOf(keyValue: unknown): number {
    const index = this.algorithm.shardFor(keyValue, this.shards.length);
    if (!Number.isInteger(index) || index < 0 || index >= this.shards.length) {
      throw new StagesError(
        'INTERNAL',
        `sharding algorithm "${this.algorithm.name}" returned shard ${index} of ${this.shards.length}`,
      );
    }
    return index;
  }

  /** `datasource.table` of shard i, for logs and tests. */
  describe(index: number): string {
    const shard = this.shards[index] as SqlTable<R>;
    return `${shard.ds.name}.${shard.physical}`;
  }

  async insert(row: R): Promise<void> {
    const key = (row as Row)[this.shardKey];
    if (key === undefined || key === null) {
      throw new StagesError('SHARD_KEY_REQUIRED', `insert into sharded table "${this.name}" needs "${this.shardKey}"`, {
        details: { table: this.name, shardKey: this.shardKey },
      });
    }
    await (this.shards[this.shardOf(key)] as SqlTable<R>).insert(row);
  }

  async findByKey(key: unknown): Promise<R | undefined> {
    const [row] = await this.find({ where: { [this.schema.primaryKey]: key }, limit: 1 });
    return row;
  }

  async find(options: FindOptions = {}): Promise<R[]> {
    checkPaging(options.limit, options.offset);
    const targets = this.#targets(options.where, 'find');
    if (targets.length === 1) return (targets[0] as SqlTable<R>).find(options);
    const offset = options.offset ?? 0;
    // Any row of the merged page is within the first offset+limit rows of its own shard.
    const perShard: FindOptions = { orderBy: sortKeys(this.schema, options.orderBy) };
    if (options.where) perShard.where = options.where;
    if (options.limit !== undefined) perShard.limit = offset + options.limit;
    const parts = await Promise.all(targets.map((t) => t.find(perShard)));
    const keys = perShard.orderBy as [string, 'asc' | 'desc'][];
    const merged = parts.flat().sort((a, b) => {
      for (const [column, direction] of keys) {
        const order = compareValues((a as Row)[column], (b as Row)[column]);
        if (order !== 0) return direction === 'asc' ? order : -order;
      }
      return 0;
    });
    return merged.slice(offset, options.limit === undefined ? undefined : offset + options.limit);
  }

  async count(where?: Where): Promise<number> {
    const [row] = await this.aggregate({ n: { count: '*' } }, where ? { where } : {});
    return (row?.n as number | undefined) ?? 0;
  }

  async aggregate(spec: AggregateSpec, options: { where?: Where; groupBy?: readonly string[] } = {}): Promise<Row[]> {
    const targets = this.#targets(options.where, 'aggregate');
    const partials = await Promise.all(targets.map((t) => t.partialAggregate(spec, options)));
    return combine(this.schema, spec, options.groupBy ?? [], partials.flat());
  }

  async update(key: unknown, patch: Partial<R>): Promise<number> {
    if (this.shardKey in patch && (patch as Row)[this.shardKey] !== undefined) {
      throw new StagesError(
        'INVALID_ARGUMENT',
        `cannot change the shard key "${this.shardKey}" of "${this.name}": delete and insert instead`,
      );
    }
    const where = { [this.schema.primaryKey]: key };
    const counts = await Promise.all(this.#targets(where, 'update').map((t) => t.updateWhere(where, patch)));
    return counts.reduce((a, b) => a + b, 0);
  }

  async delete(key: unknown): Promise<number> {
    const where = { [this.schema.primaryKey]: key };
    const counts = await Promise.all(this.#targets(where, 'delete').map((t) => t.deleteWhere(where)));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Applies each migration to every physical table, once per database (one ledger per database). */
  async migrate(migrations: readonly Migration[]): Promise<void> {
    const byDatabase = new Map<DataSource, string[]>();
    for (const shard of this.shards) byDatabase.set(shard.ds, [...(byDatabase.get(shard.ds) ?? []), shard.physical]);
    for (const [ds, tables] of byDatabase) {
      await migrate(ds, migrations, {
        scope: this.name,
        expand: (statement) => tables.map((t) => statement.replaceAll('{table}', quoteIdent(ds.dialect, t))),
      });
    }
  }

  /** The shards a statement must visit, from the shard key's value(s) in where. */
  #targets(where: Where | undefined, operation: string): SqlTable<R>[] {
    const spec = where?.[this.shardKey];
    if (spec !== undefined) {
      const values = keyValues(spec);
      if (values)
        return [...new Set(values.map((v) => this.shardOf(v)))]
          .sort((a, b) => a - b)
          .map((i) => this.shards[i] as SqlTable<R>);
    }
    if (!this.#fanOut) {
      throw new StagesError(
        'SHARD_KEY_REQUIRED',
        `${operation} on sharded table "${this.name}" needs "${this.shardKey}" (fan-out is disabled)`,
        {
          details: { table: this.name, shardKey: this.shardKey },
        },
      );
    }
    return [...this.shards];
  }
}

/** The key values an equality or IN pins the statement to; undefined when the condition is a range. */
function keyValues(spec: unknown): unknown[] | undefined {
  if (!isCondition(spec)) return spec === null ? undefined : [spec];
  const keys = Object.keys(spec).filter((k) => (spec as Record<string, unknown>)[k] !== undefined);
  if (keys.length === 1 && keys[0] === 'eq' && spec.eq !== null) return [spec.eq];
  if (keys.length === 1 && keys[0] === 'in') return [...(spec.in ?? [])];
  return undefined;
}

function layout(options: ShardedTableOptions): ShardTarget[] {
  const { databases, tablesPerDatabase } = options;
  if (!databases || databases.length === 0 || !tablesPerDatabase || tablesPerDatabase < 1) {
    throw new StagesError(
      'CONFIG_INVALID',
      `sharded table "${options.schema.name}" needs targets, or databases and tablesPerDatabase`,
    );
  }
  return databases.flatMap((datasource) =>
    Array.from({ length: tablesPerDatabase }, (_, j) => ({ datasource, table: `${options.schema.name}_${j}` })),
  );
}
