import type { Row } from '../datasource.js';
import type { Migration } from '../migrations.js';
import type { AggregateSpec } from './aggregate.js';
import type { FindOptions, Where } from './query.js';

/**
 * Typed access to one logical table. A repository written against it runs unchanged on one datasource
 * (`SqlTable`) or on a table sharded across databases (`ShardedTable`).
 */
export interface Table<R extends object> {
  readonly name: string;
  insert(row: R): Promise<void>;
  /** The row with this primary key, or undefined. */
  findByKey(key: unknown): Promise<R | undefined>;
  find(options?: FindOptions): Promise<R[]>;
  count(where?: Where): Promise<number>;
  /** Aggregates, optionally per group (rows sorted by the group columns). */
  aggregate(spec: AggregateSpec, options?: { where?: Where; groupBy?: readonly string[] }): Promise<Row[]>;
  /** Updates the row with this primary key; resolves to the number of rows changed (0 or 1). */
  update(key: unknown, patch: Partial<R>): Promise<number>;
  delete(key: unknown): Promise<number>;
  /** Applies schema migrations once each; `{table}` in a statement stands for the physical table name. */
  migrate(migrations: readonly Migration[]): Promise<void>;
}
