import { StagesError } from '@stages/common';
import type { DataSource, Dialect, ExecuteResult, QueryOptions, Row } from '@stages/data';

/**
 * A datasource opened on its first statement. The monolith default uses it: an app that never touches a
 * database must not create a file or load a driver because a datasource *could* be injected.
 */
export class LazyDataSource implements DataSource {
  #opening: Promise<DataSource> | undefined;
  #closed = false;

  constructor(
    readonly name: string,
    readonly dialect: Dialect,
    private readonly openFn: () => Promise<DataSource>,
  ) {}

  async query<T extends object = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]> {
    return (await this.#open()).query<T>(sql, params, options);
  }

  async execute(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<ExecuteResult> {
    return (await this.#open()).execute(sql, params, options);
  }

  async transaction<T>(fn: (tx: DataSource) => Promise<T>): Promise<T> {
    return (await this.#open()).transaction(fn);
  }

  async health(): Promise<void> {
    await (await this.#open()).health();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const opening = this.#opening;
    if (opening) await (await opening.catch(() => undefined))?.close();
  }

  #open(): Promise<DataSource> {
    if (this.#closed) {
      // Same behaviour as a real pool after close, rather than reopening a file the app has let go of.
      return Promise.reject(new StagesError('FAILED_PRECONDITION', `datasource "${this.name}" is closed`));
    }
    // A failed open is not remembered: the next statement tries again (the disk may have been full).
    this.#opening ??= this.openFn().catch((error: unknown) => {
      this.#opening = undefined;
      throw error;
    });
    return this.#opening;
  }
}
