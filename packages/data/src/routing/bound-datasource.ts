import type { DataSource, Dialect, ExecuteResult, QueryOptions, Row } from '../datasource.js';

/** A domain's datasource that checks each statement before passing it on. */
export class BoundDataSource implements DataSource {
  readonly name: string;
  readonly dialect: Dialect;
  constructor(
    readonly inner: DataSource,
    readonly domain: string,
    readonly check: (sql: string) => void,
  ) {
    this.name = inner.name;
    this.dialect = inner.dialect;
  }
  async query<T extends object = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]> {
    this.check(sql);
    return this.inner.query<T>(sql, params, options);
  }
  async execute(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<ExecuteResult> {
    this.check(sql);
    return this.inner.execute(sql, params, options);
  }
  transaction<T>(fn: (tx: DataSource) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn(new BoundDataSource(tx, this.domain, this.check)));
  }
  health(): Promise<void> {
    return this.inner.health();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
