import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createLogger, StagesError } from '@stages/common';
import {
  type DataSource,
  type DataSourceConfig,
  type Dialect,
  type MemberConfig,
  openDataSource,
  openReadWriteSplit,
} from '@stages/data';
import { inject } from 'tsyringe';
import type { DataSourceSettings } from '../config/schema.js';
import { LazyDataSource } from './lazy-datasource.js';

const log = createLogger('core.data');

/** The name of the datasource an app opens by itself when config lists none. */
export const DEFAULT_DATASOURCE = 'default';

/**
 * The app's named datasources, built from `datasources` in config. Each is a driver's pool, or a read/write
 * split when `replicas` are listed (reads to replicas, writes and the same call's later reads to the primary).
 * Inject the registry (`constructor(private readonly data: DataSources)`) or one datasource with
 * `@InjectDataSource('orders')`.
 */
export class DataSources {
  readonly #byName = new Map<string, DataSource>();
  readonly #default: string | undefined;

  private constructor(byName: Map<string, DataSource>, defaultName: string | undefined) {
    this.#byName = byName;
    this.#default = defaultName;
  }

  /**
   * Opens every configured datasource now, so a wrong URL or driver fails `start()`. With none configured,
   * the monolith default: a SQLite file `.stages/data/<app>.db`, opened only when first used.
   */
  static async open(config: Record<string, DataSourceSettings> | undefined, appName: string): Promise<DataSources> {
    const entries = Object.entries(config ?? {});
    if (entries.length === 0) {
      const file = resolve('.stages', 'data', `${appName.replace(/[^A-Za-z0-9_.-]/g, '_')}.db`);
      const lazy = new LazyDataSource(DEFAULT_DATASOURCE, 'sqlite', async () => {
        mkdirSync(dirname(file), { recursive: true });
        log.info({ file }, 'no datasources configured: using the SQLite file');
        return openDataSource({ type: 'sqlite', name: DEFAULT_DATASOURCE, filename: file });
      });
      return new DataSources(new Map([[DEFAULT_DATASOURCE, lazy]]), DEFAULT_DATASOURCE);
    }
    const byName = new Map<string, DataSource>();
    try {
      for (const [name, settings] of entries) byName.set(name, await openOne(name, settings));
    } catch (error) {
      await Promise.allSettled([...byName.values()].map((ds) => ds.close()));
      throw error;
    }
    const marked = entries.filter(([, s]) => s.default).map(([name]) => name);
    if (marked.length > 1) {
      await Promise.allSettled([...byName.values()].map((ds) => ds.close()));
      throw new StagesError('CONFIG_INVALID', `datasources: only one may say "default: true" (${marked.join(', ')})`);
    }
    const defaultName =
      marked[0] ??
      (entries.length === 1 ? entries[0]?.[0] : byName.has(DEFAULT_DATASOURCE) ? DEFAULT_DATASOURCE : undefined);
    log.debug({ datasources: [...byName.keys()], default: defaultName ?? null }, 'datasources open');
    return new DataSources(byName, defaultName);
  }

  /** The datasource called `name`, or the default one. CONFIG_INVALID when there is no such datasource. */
  get(name?: string): DataSource {
    const wanted = name ?? this.#default;
    const ds = wanted === undefined ? undefined : this.#byName.get(wanted);
    if (!ds) {
      const known = [...this.#byName.keys()].join(', ');
      const what =
        name === undefined ? 'no default datasource (name one with "default: true")' : `no datasource named "${name}"`;
      throw new StagesError('CONFIG_INVALID', `${what}; configured: ${known}`, {
        details: { datasource: name ?? null, known: [...this.#byName.keys()] },
      });
    }
    return ds;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }

  get defaultName(): string | undefined {
    return this.#default;
  }

  /** Closes every pool. The app calls it after calls have drained and onStop hooks have run. */
  async close(): Promise<void> {
    const results = await Promise.allSettled([...this.#byName.values()].map((ds) => ds.close()));
    this.#byName.clear();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

async function openOne(name: string, s: DataSourceSettings): Promise<DataSource> {
  const primary = memberConfig(s.driver, s.url, s.file, s);
  if (!s.replicas || s.replicas.length === 0) {
    return openDataSource({ ...primary, name } as DataSourceConfig);
  }
  const replicas = s.replicas.map((r) =>
    typeof r === 'string'
      ? memberConfig(s.driver, r, undefined, s)
      : memberConfig(s.driver, r.url, undefined, { ...s, options: { ...s.options, ...r.options } }),
  );
  return openReadWriteSplit({
    name,
    primary,
    replicas,
    ...(s.maxLagMs === undefined ? {} : { maxLagMs: s.maxLagMs }),
    ...(s.healthIntervalMs === undefined ? {} : { healthIntervalMs: s.healthIntervalMs }),
    ...(s.replicaTimeoutMs === undefined ? {} : { replicaTimeoutMs: s.replicaTimeoutMs }),
    ...(s.readYourWrites === undefined ? {} : { readYourWrites: s.readYourWrites }),
    ...(s.balancer === undefined ? {} : { balancer: s.balancer }),
  });
}

/** Config fields -> the driver's options (`file` -> `filename`, `pool.*` flattened). */
function memberConfig(
  driver: Dialect | undefined,
  url: string | undefined,
  file: string | undefined,
  s: Pick<DataSourceSettings, 'pool' | 'queryTimeoutMs' | 'options'>,
): MemberConfig {
  return {
    ...s.options,
    ...s.pool,
    ...(s.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: s.queryTimeoutMs }),
    ...(driver === undefined && file !== undefined ? { type: 'sqlite' } : driver === undefined ? {} : { type: driver }),
    ...(url === undefined ? {} : { url }),
    ...(file === undefined ? {} : { filename: file }),
  } as MemberConfig;
}

/** The tsyringe token of one named datasource (Symbol.for: two copies of core agree on it). */
export function dataSourceToken(name: string | undefined): symbol {
  return Symbol.for(`stages.core.datasource:${name ?? ''}`);
}

// Every name any @InjectDataSource asked for; each app registers a factory for each (unknown ones fail start).
const requested = new Set<string | undefined>();

export function requestedDataSources(): ReadonlySet<string | undefined> {
  return requested;
}

/**
 * Injects one datasource of the app by name (`@InjectDataSource('orders') db: DataSource`), or the default
 * one without a name. An unknown name fails `start()` with CONFIG_INVALID listing the configured ones.
 */
export function InjectDataSource(name?: string): ParameterDecorator {
  requested.add(name);
  return (target, propertyKey, index) => {
    const names = (Reflect.getOwnMetadata(INJECTED_KEY, target) as (string | undefined)[] | undefined) ?? [];
    Reflect.defineMetadata(INJECTED_KEY, [...names, name], target);
    inject(dataSourceToken(name))(target, propertyKey, index);
  };
}

const INJECTED_KEY = Symbol.for('stages.core.datasource-params');

/**
 * Checks, before anything is built, that every datasource the classes reachable from `roots` ask for exists:
 * a typo fails `start()` with CONFIG_INVALID naming it, not with a DI error from deep inside a constructor.
 */
export function checkInjectedDataSources(roots: readonly Function[], dataSources: DataSources): void {
  const seen = new Set<Function>();
  const visit = (cls: Function) => {
    if (seen.has(cls)) return;
    seen.add(cls);
    for (const name of (Reflect.getOwnMetadata(INJECTED_KEY, cls) as (string | undefined)[] | undefined) ?? []) {
      dataSources.get(name);
    }
    for (const param of (Reflect.getMetadata('design:paramtypes', cls) as unknown[] | undefined) ?? []) {
      if (typeof param === 'function' && param !== Object) visit(param);
    }
  };
  for (const root of roots) visit(root);
}
