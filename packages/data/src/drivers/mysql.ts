import type { Pool, PoolConnection, PoolOptions, ResultSetHeader } from 'mysql2/promise';
import type { DataSource, ExecuteResult, QueryOptions, Row } from '../datasource.js';
import { dataError } from '../errors.js';
import { StatementInstruments, type StatementLabels } from '../internal/instrument.js';
import { loadModule } from '../internal/load-module.js';
import { statementTimeout } from '../internal/timeout.js';
import { bindOrder, PlaceholderCache } from '../sql/placeholders.js';
import { type CommonDriverOptions, DEFAULT_HEALTH_TIMEOUT_MS } from './options.js';

export interface MysqlOptions extends CommonDriverOptions {
  /** `mysql://user:password@host:port/db`. */
  url: string;
  /** Pool size. Default 10. */
  max?: number;
  /** Idle connections close after this long. Default 10 000 ms. */
  idleTimeoutMs?: number;
  /** Giving up on connecting. Default 5 000 ms. */
  connectionTimeoutMs?: number;
}

type Mysql = typeof import('mysql2/promise');
type Target = Pick<Pool, 'query'> | PoolConnection;

/** Opens a pooled MySQL or MariaDB datasource (mysql2). */
export async function openMysql(options: MysqlOptions): Promise<MysqlDataSource> {
  const mysql = await loadModule<Mysql>('mysql2/promise', 'the MySQL datasource');
  return new MysqlDataSource(mysql, options);
}

export class MysqlDataSource implements DataSource {
  readonly name: string;
  readonly dialect = 'mysql' as const;
  readonly #pool: Pool;
  readonly #labels: StatementLabels;
  readonly #instruments: StatementInstruments;
  readonly #options: MysqlOptions;
  readonly #placeholders = new PlaceholderCache();

  constructor(mysql: Mysql, options: MysqlOptions) {
    this.name = options.name;
    this.#options = options;
    this.#labels = { datasource: options.name, dialect: 'mysql', role: options.role ?? 'standalone' };
    if (options.shard !== undefined) this.#labels.shard = options.shard;
    this.#instruments = new StatementInstruments(this.#labels);
    const config: PoolOptions = {
      uri: options.url,
      connectionLimit: options.max ?? 10,
      idleTimeout: options.idleTimeoutMs ?? 10_000,
      connectTimeout: options.connectionTimeoutMs ?? 5_000,
      // 64-bit integers as numbers when exact, as strings when not: never silently rounded.
      supportBigNumbers: true,
      bigNumberStrings: false,
    };
    this.#pool = mysql.createPool(config);
    this.#pool.on('connection', (connection) => connection.on('error', () => {}));
  }

  query<T extends object = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]> {
    return this.run(this.#pool, 'query', sql, params, options) as Promise<T[]>;
  }

  execute(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<ExecuteResult> {
    return this.run(this.#pool, 'execute', sql, params, options) as Promise<ExecuteResult>;
  }

  async transaction<T>(fn: (tx: DataSource) => Promise<T>): Promise<T> {
    let connection: PoolConnection;
    try {
      connection = await this.#pool.getConnection();
    } catch (error) {
      throw dataError(this.name, error);
    }
    try {
      await connection.beginTransaction().catch((error: unknown) => Promise.reject(dataError(this.name, error)));
      const result = await fn(new MysqlTransaction(this, connection));
      await connection.commit().catch((error: unknown) => Promise.reject(dataError(this.name, error)));
      return result;
    } catch (error) {
      await connection.rollback().catch(() => connection.destroy());
      // The callback's own error goes back unchanged.
      throw error;
    } finally {
      connection.release();
    }
  }

  async health(): Promise<void> {
    await this.query('SELECT 1', [], { timeoutMs: this.#options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** @internal */
  async run(
    target: Target,
    op: 'query' | 'execute',
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<Row[] | ExecuteResult> {
    const probe = this.#instruments.start(op, sql);
    try {
      const timeout = statementTimeout(this.name, options?.timeoutMs, this.#options.queryTimeoutMs);
      const translated = this.#placeholders.get(sql);
      const values = bindOrder(translated.order, params ?? []);
      const [result] = await target.query(
        timeout === undefined ? { sql: translated.sql } : { sql: translated.sql, timeout },
        values as never,
      );
      probe.ok();
      if (Array.isArray(result)) return op === 'query' ? (result as Row[]) : { rowCount: result.length };
      if (op === 'query') return [];
      const header = result as ResultSetHeader;
      const out: ExecuteResult = { rowCount: header.affectedRows };
      if (header.insertId) out.lastId = header.insertId;
      return out;
    } catch (error) {
      throw probe.fail(dataError(this.name, error));
    }
  }
}

class MysqlTransaction implements DataSource {
  readonly name: string;
  readonly dialect = 'mysql' as const;
  constructor(
    readonly parent: MysqlDataSource,
    readonly connection: PoolConnection,
  ) {
    this.name = parent.name;
  }
  query<R extends object = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]> {
    return this.parent.run(this.connection, 'query', sql, params, options) as Promise<R[]>;
  }
  execute(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<ExecuteResult> {
    return this.parent.run(this.connection, 'execute', sql, params, options) as Promise<ExecuteResult>;
  }
  transaction<R>(fn: (tx: DataSource) => Promise<R>): Promise<R> {
    return fn(this);
  }
  async health(): Promise<void> {}
  async close(): Promise<void> {}
}
