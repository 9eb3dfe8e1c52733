import type { Pool, PoolClient, PoolConfig } from 'pg';
import type { DataSource, ExecuteResult, QueryOptions, Row } from '../datasource.js';
import { dataError } from '../errors.js';
import { StatementInstruments, type StatementLabels } from '../internal/instrument.js';
import { loadModule } from '../internal/load-module.js';
import { statementTimeout } from '../internal/timeout.js';
import { type CommonDriverOptions, DEFAULT_HEALTH_TIMEOUT_MS } from './options.js';

export interface PostgresOptions extends CommonDriverOptions {
  /** `postgres://user:password@host:port/db`; the password never appears in errors or logs. */
  url: string;
  /** Pool size. Default 10. */
  max?: number;
  /** Idle connections close after this long. Default 10 000 ms. */
  idleTimeoutMs?: number;
  /** Giving up on getting a connection (connect or wait for a free one). Default 5 000 ms. */
  connectionTimeoutMs?: number;
  /** Server-side `statement_timeout` for every session: the server cancels statements that run longer. */
  statementTimeoutMs?: number;
  /** `application_name` of each session, visible in pg_stat_activity. Default `stages:<name>`. */
  applicationName?: string;
}

type PgModule = typeof import('pg');
type Queryable = Pick<Pool, 'query'> | PoolClient;

/** Opens a pooled PostgreSQL datasource. The pool connects lazily; call `health()` to fail fast at start-up. */
export async function openPostgres(options: PostgresOptions): Promise<PostgresDataSource> {
  const pg = await loadModule<PgModule>('pg', 'the PostgreSQL datasource');
  return new PostgresDataSource(pg, options);
}

export class PostgresDataSource implements DataSource {
  readonly name: string;
  readonly dialect = 'postgres' as const;
  readonly #pool: Pool;
  readonly #labels: StatementLabels;
  readonly #instruments: StatementInstruments;
  readonly #options: PostgresOptions;

  constructor(pg: PgModule, options: PostgresOptions) {
    this.name = options.name;
    this.#options = options;
    this.#labels = { datasource: options.name, dialect: 'postgres', role: options.role ?? 'standalone' };
    if (options.shard !== undefined) this.#labels.shard = options.shard;
    this.#instruments = new StatementInstruments(this.#labels);
    const config: PoolConfig = {
      connectionString: options.url,
      max: options.max ?? 10,
      idleTimeoutMillis: options.idleTimeoutMs ?? 10_000,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      application_name: options.applicationName ?? `stages:${options.name}`,
      types: { getTypeParser: int8AsNumber(pg) as never },
    };
    if (options.statementTimeoutMs !== undefined) config.statement_timeout = options.statementTimeoutMs;
    this.#pool = new pg.Pool(config);
    // An idle client whose server went away emits 'error' on the pool; unhandled, that would kill the process.
    // The pool already discards that client; the next statement reconnects.
    this.#pool.on('error', () => {});
  }

  /** Connections open, idle and callers waiting for one: for dashboards and the bench. */
  stats(): { total: number; idle: number; waiting: number } {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  query<T extends object = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]> {
    return runQuery<T>(this.#pool, this.#instruments, this.#options, sql, params, options);
  }

  execute(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<ExecuteResult> {
    return runExecute(this.#pool, this.#instruments, this.#options, sql, params, options);
  }

  async transaction<T>(fn: (tx: DataSource) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw dataError(this.name, error);
    }
    let broken: Error | undefined;
    try {
      await runExecute(client, this.#instruments, this.#options, 'BEGIN');
      const result = await fn(new PostgresTransaction(this, client, this.#instruments, this.#options));
      await runExecute(client, this.#instruments, this.#options, 'COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable: tell the pool to destroy it rather than hand it out again.
        broken = rollbackError as Error;
      }
      // The callback's own error goes back unchanged; BEGIN/COMMIT failures are already StagesErrors.
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async health(): Promise<void> {
    await this.query('SELECT 1', [], { timeoutMs: this.#options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

/** The datasource handed to a transaction callback: every statement on the one pinned connection. */
class PostgresTransaction implements DataSource {
  readonly name: string;
  readonly dialect = 'postgres' as const;

  constructor(
    readonly parent: PostgresDataSource,
    readonly client: PoolClient,
    readonly instruments: StatementInstruments,
    readonly options: PostgresOptions,
  ) {
    this.name = parent.name;
  }

  query<T extends object = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]> {
    return runQuery<T>(this.client, this.instruments, this.options, sql, params, options);
  }

  execute(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<ExecuteResult> {
    return runExecute(this.client, this.instruments, this.options, sql, params, options);
  }

  transaction<T>(fn: (tx: DataSource) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async health(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {}
}

function send(
  target: Queryable,
  datasource: string,
  defaults: PostgresOptions,
  sql: string,
  params: readonly unknown[] | undefined,
  options: QueryOptions | undefined,
) {
  const timeout = statementTimeout(datasource, options?.timeoutMs, defaults.queryTimeoutMs);
  const values = params as unknown[] | undefined;
  return timeout === undefined
    ? target.query(sql, values)
    : target.query({ text: sql, values, query_timeout: timeout } as never);
}

// One async frame per statement: span, metrics and error mapping inline rather than wrapped in closures.
async function runQuery<T>(
  target: Queryable,
  instruments: StatementInstruments,
  defaults: PostgresOptions,
  sql: string,
  params?: readonly unknown[],
  options?: QueryOptions,
): Promise<T[]> {
  const probe = instruments.start('query', sql);
  try {
    const result = await send(target, instruments.labels.datasource, defaults, sql, params, options);
    probe.ok();
    return result.rows as T[];
  } catch (error) {
    throw probe.fail(dataError(instruments.labels.datasource, error));
  }
}

async function runExecute(
  target: Queryable,
  instruments: StatementInstruments,
  defaults: PostgresOptions,
  sql: string,
  params?: readonly unknown[],
  options?: QueryOptions,
): Promise<ExecuteResult> {
  const probe = instruments.start('execute', sql);
  try {
    const result = await send(target, instruments.labels.datasource, defaults, sql, params, options);
    probe.ok();
    const out: ExecuteResult = { rowCount: result.rowCount ?? 0 };
    const first = result.rows?.[0] as Row | undefined;
    if (first) {
      const id = Object.values(first)[0];
      if (typeof id === 'number' || typeof id === 'bigint' || typeof id === 'string') out.lastId = id;
    }
    return out;
  } catch (error) {
    throw probe.fail(dataError(instruments.labels.datasource, error));
  }
}

/**
 * bigint columns (and COUNT(*)) come back as numbers when they fit in a double and as BigInt when not, instead
 * of pg's default string: the same shape the SQLite and MySQL drivers give, so repository code is portable.
 */
function int8AsNumber(pg: PgModule) {
  return (oid: number, format?: string) => {
    if (oid === 20) return (text: string) => toSafeNumber(BigInt(text));
    return pg.types.getTypeParser(oid, format as never);
  };
}

export function toSafeNumber(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}
