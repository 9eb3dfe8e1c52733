import {
  type CacheRef,
  type CreateCacheOptions,
  cacheMetadata,
  Cacheable as LeafCacheable,
  CacheEvict as LeafCacheEvict,
  type CacheEvictOptions as LeafEvictOptions,
  type LoadOptions,
  TwoLevelCache,
} from '@stages/cache';
import { createLogger, StagesError } from '@stages/common';
import type { CacheConfig } from '../config/schema.js';

const log = createLogger('core.cache');

// Symbol.for: a second copy of core in the process (a linked package) still finds the first copy's stamp.
const kAppCache = Symbol.for('stages.core.app-cache');
let active: AppCache | undefined;

/**
 * The app's one TwoLevelCache and its namespace views. Level 2 is Redis when `cache.redis` is configured;
 * otherwise the cache is level 1 only, which is what a monolith on one machine needs.
 */
export class AppCache {
  readonly #views = new Map<string, TwoLevelCache>();

  private constructor(
    readonly root: TwoLevelCache,
    private readonly versions: Readonly<Record<string, { version: number }>>,
  ) {}

  static async open(config: CacheConfig | undefined, appName: string): Promise<AppCache> {
    const { redis, local, namespaces, ...rest } = config ?? {};
    const options: CreateCacheOptions = {
      ...rest,
      ...(local === undefined ? {} : { l1: local }),
      ...(redis === undefined
        ? {}
        : { redis: (typeof redis === 'string' ? { url: redis } : redis) as CreateCacheOptions['redis'] & object }),
      instanceId: `${appName}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    };
    const root = await TwoLevelCache.create(options);
    log.debug({ redis: redis !== undefined }, 'app cache open');
    return new AppCache(root, namespaces ?? {});
  }

  /** A namespace view (its version from `cache.namespaces`), or the root cache when `name` is absent. */
  view(name?: string): TwoLevelCache {
    if (name === undefined) return this.root;
    let view = this.#views.get(name);
    if (!view) {
      view = this.root.namespace(name, { version: this.versions[name]?.version ?? 1 });
      this.#views.set(name, view);
    }
    return view;
  }

  /** Marks an object built by this app, so its `@Cacheable` methods use this app's cache. */
  stamp(instance: object): void {
    if (!Object.hasOwn(instance, kAppCache)) {
      Object.defineProperty(instance, kAppCache, { value: this, enumerable: false });
    }
  }

  activate(): void {
    active = this;
  }

  close(): Promise<void> {
    if (active === this) active = undefined;
    return this.root.close();
  }
}

/** True when the class's prototype has `@Cacheable`/`@CacheEvict` methods (what @stages/cache recorded). */
export function hasCacheMethods(cls: Function): boolean {
  return cacheMetadata(cls.prototype as object).length > 0;
}

/**
 * The cache a decorated method uses: the one of the app that built the instance (stamped when the app
 * hands it out), else the app running in this process, for classes the app did not build itself.
 */
function appCacheRef(namespace: string | undefined): CacheRef {
  return (self: never) => {
    const own = (self as Record<symbol, AppCache | undefined> | undefined)?.[kAppCache];
    const app = own ?? active;
    if (!app) {
      throw new StagesError('FAILED_PRECONDITION', '@Cacheable/@CacheEvict need a started Stages app (its cache)');
    }
    return app.view(namespace);
  };
}

/** Arguments to a key: strings and numbers as they are, objects (an RPC request) as JSON with sorted keys. */
function defaultKey(...args: unknown[]): string {
  return args.map((a) => (typeof a === 'object' && a !== null ? stableJson(a) : String(a))).join(':');
}

/** JSON with object keys sorted, so `{ a, b }` and `{ b, a }` share a key. Hand-rolled: a replacer is ~4x slower. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return stableJson(json.call(value));
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  let out = '';
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined || typeof v === 'function') continue;
    out += `${out ? ',' : ''}${JSON.stringify(key)}:${stableJson(v)}`;
  }
  return `{${out}}`;
}

export interface CacheableOptions<A extends unknown[] = unknown[]> extends LoadOptions<unknown> {
  /** Keys live under `namespace:vN:` (version from `cache.namespaces`). Default: the cache's root namespace. */
  namespace?: string;
  /** The key from the arguments. Default: strings/numbers joined with ':', objects as sorted JSON. */
  key?: (...args: A) => string;
  /** A cache other than the app's (rarely needed). */
  cache?: CacheRef;
}

export interface CacheEvictOptions<A extends unknown[] = unknown[]> extends Omit<LeafEvictOptions<A>, 'cache'> {
  namespace?: string;
  cache?: CacheRef;
}

/**
 * `@stages/cache`'s `@Cacheable` bound to the app's cache: the method's result is cached by its arguments
 * (level 1, then Redis when configured, then the method). The call context flows into the method when it runs.
 */
export function Cacheable<A extends unknown[] = unknown[]>(options: CacheableOptions<A> = {}): MethodDecorator {
  const { namespace, key, cache, ...load } = options;
  return LeafCacheable<A>({
    ...load,
    key: key ?? (defaultKey as (...args: A) => string),
    cache: cache ?? appCacheRef(namespace),
  });
}

/** `@stages/cache`'s `@CacheEvict` bound to the app's cache: after the method resolves, drops the keys everywhere. */
export function CacheEvict<A extends unknown[] = unknown[]>(options: CacheEvictOptions<A>): MethodDecorator {
  const { namespace, cache, ...rest } = options;
  return LeafCacheEvict<A>({ ...rest, cache: cache ?? appCacheRef(namespace) });
}
