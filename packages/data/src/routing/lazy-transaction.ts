import type { DataSource, Dialect, ExecuteResult, QueryOptions, Row } from '../datasource.js';
import { crossDatasource as cross } from './cross-datasource.js';

/** What a lazy transaction needs from the business split: where a statement goes, and that datasource. */
export interface TransactionRouter {
  readonly name: string;
  readonly dialect: Dialect;
  route(sql: string): string;
  datasource(name: string): DataSource;
}

/**
 * Opens the real transaction when the first statement shows which domain it belongs to. The underlying
 * datasource's callback-style transaction is held open until the user's callback settles.
 */
export class LazyTransaction implements DataSource {
  readonly name: string;
  readonly dialect: Dialect;
  #domain: string | undefined;
  #tx: Promise<DataSource> | undefined;
  #outcome: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  #committed: Promise<void> | undefined;

  constructor(readonly router: TransactionRouter) {
    this.name = router.name;
    this.dialect = router.dialect;
  }

  async query<T extends object = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]> {
    return (await this.#open(sql)).query<T>(sql, params, options);
  }

  async execute(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<ExecuteResult> {
    return (await this.#open(sql)).execute(sql, params, options);
  }

  transaction<T>(fn: (tx: DataSource) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async health(): Promise<void> {}
  async close(): Promise<void> {}

  async finish(): Promise<void> {
    this.#outcome?.resolve();
    await this.#committed;
  }

  async abort(error: unknown): Promise<void> {
    this.#outcome?.reject(error);
    await this.#committed?.catch(() => {});
  }

  #open(sql: string): Promise<DataSource> {
    const domain = this.router.route(sql);
    if (this.#domain !== undefined && domain !== this.#domain) throw cross(sql, new Set([this.#domain, domain]));
    if (this.#tx) return this.#tx;
    this.#domain = domain;
    const settled = new Promise<void>((resolve, reject) => {
      this.#outcome = { resolve, reject };
    });
    this.#tx = new Promise<DataSource>((resolveTx, rejectTx) => {
      this.#committed = this.router.datasource(domain).transaction(async (tx) => {
        resolveTx(tx);
        await settled;
      });
      this.#committed.catch(rejectTx);
    });
    return this.#tx;
  }
}
