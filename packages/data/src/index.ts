export type { DataSource, Dialect, ExecuteResult, QueryOptions, Role, Row } from './datasource.js';
export { MysqlDataSource, type MysqlOptions, openMysql } from './drivers/mysql.js';
export { type DataSourceConfig, openDataSource } from './drivers/open.js';
export type { CommonDriverOptions } from './drivers/options.js';
export { openPostgres, PostgresDataSource, type PostgresOptions } from './drivers/postgres.js';
export { openSqlite, SqliteDataSource, type SqliteOptions } from './drivers/sqlite.js';
export { dataError, redact } from './errors.js';
export { createIdGenerator } from './ids/create-id-generator.js';
export { DEFAULT_EPOCH_MS, Snowflake, type SnowflakeOptions, type SnowflakeParts } from './ids/snowflake.js';
export { StaticWorkerId, type WorkerIdSource } from './ids/worker-id.js';
export { ZooKeeperWorkerId, type ZooKeeperWorkerIdOptions } from './ids/zookeeper-worker-id.js';
export { type Migration, migrate } from './migrations.js';
export { RandomBalancer, type ReplicaBalancer, RoundRobinBalancer, replicaBalancers } from './routing/balancer.js';
export { NamedDataSources, type NamedDataSourcesOptions } from './routing/named.js';
export {
  type MemberConfig,
  type OpenReadWriteSplitOptions,
  openReadWriteSplit,
} from './routing/open-read-write-split.js';
export { ReadWriteSplit, type ReadWriteSplitOptions } from './routing/read-write.js';
export type { ReplicaStatus } from './routing/replica-monitor.js';
export type { ShardingAlgorithm } from './sharding/algorithm.js';
export { HashModuloAlgorithm } from './sharding/hash-modulo.js';
export { ModuloAlgorithm } from './sharding/modulo.js';
export { RangeAlgorithm } from './sharding/range.js';
export { shardingAlgorithms } from './sharding/resolve.js';
export { ShardedTable, type ShardedTableOptions, type ShardTarget } from './sharding/sharded-table.js';
export { TimeMonthAlgorithm } from './sharding/time-month.js';
export { toQuestionMarks } from './sql/placeholders.js';
export { isReadStatement } from './sql/statement-kind.js';
export { referencedTables } from './sql/tables.js';
export type { Aggregate, AggregateSpec } from './table/aggregate.js';
export type { Condition, Direction, FindOptions, OrderBy, Where } from './table/query.js';
export type { ColumnType, TableSchema } from './table/schema.js';
export { SqlTable } from './table/sql-table.js';
export type { Table } from './table/table.js';
