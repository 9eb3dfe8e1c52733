/** Which SQL a datasource speaks. Users always write `$1`-style placeholders; drivers translate. */
export type Dialect = 'postgres' | 'sqlite' | 'mysql';

/** What a statement ran against, for spans, metrics and routing decisions. */
export type Role = 'primary' | 'replica' | 'standalone';

export type Row = Record<string, unknown>;

export interface QueryOptions {
  /** Forces the primary in a read/write split (e.g. a read that must see a write made elsewhere). */
  primary?: boolean;
  /** Client-side cap on this statement; the call context's deadline also applies, whichever is sooner. */
  timeoutMs?: number;
}

export interface ExecuteResult {
  /** Rows inserted, updated or deleted. */
  rowCount: number;
  /**
   * The generated id of an insert: SQLite's last rowid, MySQL's insertId, or on PostgreSQL the first column
   * of the first row returned (write `INSERT ... RETURNING id`).
   */
  lastId?: number | bigint | string;
}

/**
 * One place SQL can be sent. Drivers (PostgreSQL, SQLite, MySQL) implement it, and so do the routers built
 * over them (read/write split, business split), so repository code never knows which one it holds.
 *
 * Placeholders are `$1`, `$2`, ... on every dialect; a `$n` may repeat.
 */
export interface DataSource {
  readonly name: string;
  readonly dialect: Dialect;
  /** Rows of a SELECT (or of any statement returning rows). */
  query<T extends object = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]>;
  /** A statement run for its effect (INSERT, UPDATE, DELETE, DDL). Always sent to a primary. */
  execute(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<ExecuteResult>;
  /**
   * Runs fn inside one transaction on one connection: committed when fn resolves, rolled back when it throws.
   * Statements must go through `tx`, not the outer datasource. Calling `tx.transaction` runs in the same
   * transaction (no savepoint).
   */
  transaction<T>(fn: (tx: DataSource) => Promise<T>): Promise<T>;
  /** A cheap round trip; rejects with DATASOURCE_ERROR when the database cannot be reached. */
  health(): Promise<void>;
  /** Closes pools and connections. Statements after close fail. */
  close(): Promise<void>;
}
