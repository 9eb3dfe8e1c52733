import { AsyncLocalStorage } from 'node:async_hooks';
import { StagesError } from '@stages/common';
import type BetterSqlite3 from 'better-sqlite3';
import type { DataSource, ExecuteResult, QueryOptions, Row } from '../datasource.js';
import { dataError } from '../errors.js';
import { StatementInstruments, type StatementLabels } from '../internal/instrument.js';
import { loadModule } from '../internal/load-module.js';
import { statementTimeout } from '../internal/timeout.js';
import { bindOrder, PlaceholderCache } from '../sql/placeholders.js';
import type { CommonDriverOptions } from './options.js';
import { toSafeNumber } from './postgres.js';

export interface SqliteOptions extends CommonDriverOptions {
  /** A file path, or `:memory:` (the default) for a database that lives as long as the datasource. */
  filename?: string;
  /** Write-ahead logging: readers do not block the writer. Default true (ignored for `:memory:`). */
  wal?: boolean;
  /** How long a statement waits for another process's lock before failing. Default 5 000 ms. */
  busyTimeoutMs?: number;
}

type Database = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement;

/** Opens the embedded database: the stage-1 default, no server needed. */
export async function openSqlite(options: SqliteOptions): Promise<SqliteDataSource> {
  const Driver = await loadModule<typeof BetterSqlite3>('better-sqlite3', 'the SQLite datasource');
  const filename = options.filename ?? ':memory:';
  let db: Database;
  try {
    db = new Driver(filename, { timeout: options.busyTimeoutMs ?? 5_000 });
    if (filename !== ':memory:' && options.wal !== false) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
  } catch (error) {
    throw dataError(options.name, error);
  }
  return new SqliteDataSource(db, options);
}

/**
 * better-sqlite3 is synchronous and has one connection, so a transaction whose callback awaits would let other
 * callers' statements slip into it. Statements outside a transaction therefore wait while one is open, and
 * transactions queue behind each other.
 */
export class SqliteDataSource implements DataSource {
  readonly name: string;
  readonly dialect = 'sqlite' as const;
  readonly #db: Database;
  readonly #labels: StatementLabels;
  readonly #instruments: StatementInstruments;
  readonly #placeholders = new PlaceholderCache();
  readonly #statements = new Map<string, Statement>();
  #tx: Promise<void> | undefined;
  // Set inside a transaction callback: a statement sent to the datasource itself from there would wait for the
  // transaction to end, which waits for the statement. Refuse it instead of hanging.
  readonly #inTransaction = new AsyncLocalStorage<true>();
  #closed = false;

  constructor(db: Database, options: SqliteOptions) {
    this.name = options.name;
    this.#db = db;
    this.#labels = { datasource: options.name, dialect: 'sqlite', role: options.role ?? 'standalone' };
    if (options.shard !== undefined) this.#labels.shard = options.shard;
    this.#instruments = new StatementInstruments(this.#labels);
  }

  async query<T extends object = Row>(sql: string, params?: readonly unknown[], _options?: QueryOptions): Promise<T[]> {
    this.#refuseInsideTransaction();
    while (this.#tx) await this.#tx;
    return this.runQuery<T>(sql, params);
  }

  async execute(sql: string, params?: readonly unknown[], _options?: QueryOptions): Promise<ExecuteResult> {
    this.#refuseInsideTransaction();
    while (this.#tx) await this.#tx;
    return this.runExecute(sql, params);
  }

  async transaction<T>(fn: (tx: DataSource) => Promise<T>): Promise<T> {
    this.#refuseInsideTransaction();
    while (this.#tx) await this.#tx;
    let done!: () => void;
    this.#tx = new Promise<void>((resolve) => {
      done = resolve;
    });
    try {
      this.#exec('BEGIN IMMEDIATE');
      try {
        const result = await this.#inTransaction.run(true, () => fn(new SqliteTransaction(this)));
        this.#exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.inTransaction) this.#exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.#tx = undefined;
      done();
    }
  }

  async health(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#tx) await this.#tx;
    this.#db.close();
  }

  /** @internal Runs now, ignoring the transaction queue: for the transaction's own statements. */
  async runQuery<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    const probe = this.#instruments.start('query', sql);
    try {
      // Synchronous statements cannot be cut off once started; a call already past its deadline is refused.
      statementTimeout(this.name, undefined, undefined);
      const [statement, values] = this.#prepare(sql, params);
      let rows: T[] = [];
      if (statement.reader) rows = (statement.all(...values) as Row[]).map(normalizeRow) as T[];
      else statement.run(...values);
      probe.ok();
      return rows;
    } catch (error) {
      throw probe.fail(dataError(this.name, error));
    }
  }

  /** @internal */
  async runExecute(sql: string, params?: readonly unknown[]): Promise<ExecuteResult> {
    const probe = this.#instruments.start('execute', sql);
    try {
      // Synchronous statements cannot be cut off once started; a call already past its deadline is refused.
      statementTimeout(this.name, undefined, undefined);
      const [statement, values] = this.#prepare(sql, params);
      let out: ExecuteResult;
      if (statement.reader) {
        const rows = (statement.all(...values) as Row[]).map(normalizeRow);
        out = { rowCount: rows.length };
        const id = rows[0] ? Object.values(rows[0])[0] : undefined;
        if (typeof id === 'number' || typeof id === 'bigint' || typeof id === 'string') out.lastId = id;
      } else {
        const info = statement.run(...values);
        out = { rowCount: info.changes, lastId: toSafeNumber(BigInt(info.lastInsertRowid)) };
      }
      probe.ok();
      return out;
    } catch (error) {
      throw probe.fail(dataError(this.name, error));
    }
  }

  #refuseInsideTransaction(): void {
    if (this.#inTransaction.getStore()) {
      throw new StagesError(
        'FAILED_PRECONDITION',
        `datasource "${this.name}": statement sent to the datasource from inside its own transaction; use the tx argument`,
        { details: { datasource: this.name } },
      );
    }
  }

  #exec(sql: string): void {
    try {
      this.#db.exec(sql);
    } catch (error) {
      throw dataError(this.name, error);
    }
  }

  #prepare(sql: string, params: readonly unknown[] = []): [Statement, unknown[]] {
    if (this.#closed) throw dataError(this.name, new Error('datasource is closed'));
    const translated = this.#placeholders.get(sql);
    let statement = this.#statements.get(translated.sql);
    if (!statement) {
      statement = this.#db.prepare(translated.sql);
      // Integers come back as BigInt so a 64-bit id is never rounded; normalizeRow turns the small ones back.
      if (statement.reader) statement.safeIntegers(true);
      if (this.#statements.size >= 500) this.#statements.delete(this.#statements.keys().next().value as string);
      this.#statements.set(translated.sql, statement);
    }
    return [statement, bindOrder(translated.order, params).map(toSqliteValue)];
  }
}

class SqliteTransaction implements DataSource {
  readonly name: string;
  readonly dialect = 'sqlite' as const;
  constructor(readonly parent: SqliteDataSource) {
    this.name = parent.name;
  }
  query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.parent.runQuery<T>(sql, params);
  }
  execute(sql: string, params?: readonly unknown[]): Promise<ExecuteResult> {
    return this.parent.runExecute(sql, params);
  }
  transaction<T>(fn: (tx: DataSource) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async health(): Promise<void> {}
  async close(): Promise<void> {}
}

/** SQLite binds numbers, strings, bigints, buffers and null only. */
function toSqliteValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value;
}

function normalizeRow(row: Row): Row {
  for (const key in row) {
    const value = row[key];
    if (typeof value === 'bigint') row[key] = toSafeNumber(value);
  }
  return row;
}
