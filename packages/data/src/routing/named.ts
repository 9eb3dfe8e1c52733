import { StagesError } from '@stages/common';
import type { DataSource, Dialect, ExecuteResult, QueryOptions, Row } from '../datasource.js';
import { referencedTables } from '../sql/tables.js';
import { BoundDataSource } from './bound-datasource.js';
import { crossDatasource as cross } from './cross-datasource.js';
import { LazyTransaction } from './lazy-transaction.js';

export interface NamedDataSourcesOptions {
  name?: string;
  /** Datasource name -> datasource, one per business domain (users, orders, catalog...). */
  datasources: Record<string, DataSource>;
  /** Datasource name -> the tables of its domain. A table may belong to one domain only. */
  tables: Record<string, readonly string[]>;
  /** Where a statement that names no known table goes (e.g. `SELECT 1`). Without it, such a statement fails. */
  defaultDatasource?: string;
}

/**
 * Stage 6: databases split by business domain. A statement is sent to the one datasource whose domain owns the
 * tables it names; a statement naming tables of two domains (a cross-database join, an INSERT ... SELECT across
 * domains) fails with CROSS_DATASOURCE instead of silently running against one database that lacks half the data.
 *
 * `bind(name)` gives a repository a datasource confined to one domain: it refuses statements naming another
 * domain's tables, so a repository cannot drift across the split.
 */
export class NamedDataSources implements DataSource {
  readonly name: string;
  readonly dialect: Dialect;
  readonly #datasources: Map<string, DataSource>;
  readonly #owner = new Map<string, string>();
  readonly #default: string | undefined;

  constructor(options: NamedDataSourcesOptions) {
    this.name = options.name ?? 'named';
    this.#datasources = new Map(Object.entries(options.datasources));
    const first = this.#datasources.values().next().value as DataSource | undefined;
    if (!first) throw new StagesError('CONFIG_INVALID', 'business split needs at least one datasource');
    this.dialect = first.dialect;
    for (const [ds, tables] of Object.entries(options.tables)) {
      if (!this.#datasources.has(ds)) throw config(`tables listed for unknown datasource "${ds}"`);
      for (const table of tables) {
        const key = table.toLowerCase();
        const other = this.#owner.get(key);
        if (other && other !== ds) throw config(`table "${table}" is listed under both "${other}" and "${ds}"`);
        this.#owner.set(key, ds);
      }
    }
    if (options.defaultDatasource !== undefined && !this.#datasources.has(options.defaultDatasource)) {
      throw config(`defaultDatasource "${options.defaultDatasource}" is not a datasource`);
    }
    this.#default = options.defaultDatasource;
  }

  /** The datasource for one domain, refusing statements that name another domain's tables. */
  bind(name: string): DataSource {
    const ds = this.#datasources.get(name);
    if (!ds)
      throw new StagesError('CONFIG_INVALID', `no datasource named "${name}"`, { details: { datasource: name } });
    return new BoundDataSource(ds, name, (sql) => this.#check(sql, name));
  }

  /** Which datasource a statement goes to; CROSS_DATASOURCE when it spans domains. */
  route(sql: string): string {
    const owners = this.#owners(sql);
    if (owners.size > 1) throw cross(sql, owners);
    const only = owners.values().next().value as string | undefined;
    const target = only ?? this.#default;
    if (target === undefined) {
      throw new StagesError(
        'CROSS_DATASOURCE',
        'statement names no table of a known datasource and no defaultDatasource is set',
        {
          details: { router: this.name },
        },
      );
    }
    return target;
  }

  // async: a routing refusal must reject the returned promise, never throw at the call site.
  async query<T extends object = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]> {
    return this.#target(sql).query<T>(sql, params, options);
  }

  async execute(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<ExecuteResult> {
    return this.#target(sql).execute(sql, params, options);
  }

  /**
   * A transaction on the split: it opens on the datasource of its first statement, and any later statement that
   * belongs to another domain fails with CROSS_DATASOURCE (a distributed transaction is not offered).
   */
  async transaction<T>(fn: (tx: DataSource) => Promise<T>): Promise<T> {
    const lazy = new LazyTransaction(this);
    try {
      const result = await fn(lazy);
      await lazy.finish();
      return result;
    } catch (error) {
      await lazy.abort(error);
      throw error;
    }
  }

  async health(): Promise<void> {
    await Promise.all([...this.#datasources.values()].map((ds) => ds.health()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.#datasources.values()].map((ds) => ds.close()));
  }

  /** @internal */
  datasource(name: string): DataSource {
    return this.#datasources.get(name) as DataSource;
  }

  #target(sql: string): DataSource {
    return this.#datasources.get(this.route(sql)) as DataSource;
  }

  #owners(sql: string): Set<string> {
    const owners = new Set<string>();
    for (const table of referencedTables(sql)) {
      const owner = this.#owner.get(table);
      if (owner) owners.add(owner);
    }
    return owners;
  }

  #check(sql: string, bound: string): void {
    const owners = this.#owners(sql);
    owners.delete(bound);
    if (owners.size > 0) throw cross(sql, new Set([bound, ...owners]));
  }
}

function config(message: string): StagesError {
  return new StagesError('CONFIG_INVALID', `business split: ${message}`);
}
