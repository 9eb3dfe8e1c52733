import type { DataSource, Row } from '../datasource.js';
import { type Migration, migrate } from '../migrations.js';
import { quoteIdent } from '../sql/dialect.js';
import { type AggregateSpec, combine, groupSql, partialSql } from './aggregate.js';
import { checkPaging, type FindOptions, orderSql, sortKeys, type Where, whereSql } from './query.js';
import { checkColumn, normalizeRow, type TableSchema } from './schema.js';
import type { Table } from './table.js';

/** A logical table that is one physical table on one datasource. */
export class SqlTable<R extends object> implements Table<R> {
  readonly name: string;
  readonly #quoted: string;

  constructor(
    readonly ds: DataSource,
    readonly schema: TableSchema,
    /** The physical table; defaults to the logical name. Shards use `orders_0`, `orders_1`, ... */
    readonly physical = schema.name,
  ) {
    this.name = schema.name;
    this.#quoted = quoteIdent(ds.dialect, physical);
  }

  async insert(row: R): Promise<void> {
    const columns = Object.keys(row).filter((c) => (row as Row)[c] !== undefined);
    for (const c of columns) checkColumn(this.schema, c);
    const names = columns.map((c) => quoteIdent(this.ds.dialect, c)).join(', ');
    const marks = columns.map((_, i) => `$${i + 1}`).join(', ');
    await this.ds.execute(
      `INSERT INTO ${this.#quoted} (${names}) VALUES (${marks})`,
      columns.map((c) => (row as Row)[c]),
    );
  }

  async findByKey(key: unknown): Promise<R | undefined> {
    const [row] = await this.find({ where: { [this.schema.primaryKey]: key }, limit: 1 });
    return row;
  }

  async find(options: FindOptions = {}): Promise<R[]> {
    checkPaging(options.limit, options.offset);
    const params: unknown[] = [];
    let sql = `SELECT ${this.#columns()} FROM ${this.#quoted}${whereSql(this.ds.dialect, this.schema, options.where, params)}`;
    sql += orderSql(this.ds.dialect, sortKeys(this.schema, options.orderBy));
    if (options.limit !== undefined) sql += ` LIMIT ${options.limit}`;
    if (options.offset !== undefined && options.offset > 0) {
      // MySQL and SQLite need a LIMIT before OFFSET.
      if (options.limit === undefined) sql += this.ds.dialect === 'postgres' ? '' : ` LIMIT ${Number.MAX_SAFE_INTEGER}`;
      sql += ` OFFSET ${options.offset}`;
    }
    const rows = await this.ds.query(sql, params);
    return rows.map((row) => normalizeRow<R>(this.schema, row));
  }

  async count(where?: Where): Promise<number> {
    const [row] = await this.aggregate({ n: { count: '*' } }, where ? { where } : {});
    return (row?.n as number | undefined) ?? 0;
  }

  async aggregate(spec: AggregateSpec, options: { where?: Where; groupBy?: readonly string[] } = {}): Promise<Row[]> {
    return combine(this.schema, spec, options.groupBy ?? [], await this.partialAggregate(spec, options));
  }

  /** @internal Rows before merging; the sharded table merges these from every shard. */
  partialAggregate(spec: AggregateSpec, options: { where?: Where; groupBy?: readonly string[] }): Promise<Row[]> {
    const groupBy = options.groupBy ?? [];
    const params: unknown[] = [];
    const sql =
      partialSql(this.ds.dialect, this.schema, spec, groupBy) +
      ` FROM ${this.#quoted}` +
      whereSql(this.ds.dialect, this.schema, options.where, params) +
      groupSql(this.ds.dialect, groupBy);
    return this.ds.query(sql, params);
  }

  async update(key: unknown, patch: Partial<R>): Promise<number> {
    return this.updateWhere({ [this.schema.primaryKey]: key }, patch);
  }

  /** @internal */
  async updateWhere(where: Where, patch: Partial<R>): Promise<number> {
    const columns = Object.keys(patch).filter((c) => (patch as Row)[c] !== undefined && c !== this.schema.primaryKey);
    if (columns.length === 0) return 0;
    const params: unknown[] = [];
    const set = columns.map((c) => {
      checkColumn(this.schema, c);
      return `${quoteIdent(this.ds.dialect, c)} = $${params.push((patch as Row)[c])}`;
    });
    const sql = `UPDATE ${this.#quoted} SET ${set.join(', ')}${whereSql(this.ds.dialect, this.schema, where, params)}`;
    return (await this.ds.execute(sql, params)).rowCount;
  }

  async delete(key: unknown): Promise<number> {
    return this.deleteWhere({ [this.schema.primaryKey]: key });
  }

  /** @internal */
  async deleteWhere(where: Where): Promise<number> {
    const params: unknown[] = [];
    const sql = `DELETE FROM ${this.#quoted}${whereSql(this.ds.dialect, this.schema, where, params)}`;
    return (await this.ds.execute(sql, params)).rowCount;
  }

  async migrate(migrations: readonly Migration[]): Promise<void> {
    await migrate(this.ds, migrations, { scope: this.name, expand: (s) => [s.replaceAll('{table}', this.#quoted)] });
  }

  #columns(): string {
    return Object.keys(this.schema.columns)
      .map((c) => quoteIdent(this.ds.dialect, c))
      .join(', ');
  }
}
