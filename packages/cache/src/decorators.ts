import type { LoadOptions } from './options.js';
import type { TwoLevelCache } from './two-level.js';

/** Where a decorated method finds its cache: a cache, or a function of the instance (e.g. `(self) => self.cache`). */
export type CacheRef = TwoLevelCache | ((self: never) => TwoLevelCache);

export interface CacheableOptions<A extends unknown[]> extends LoadOptions<unknown> {
  cache: CacheRef;
  /** The key from the arguments. Default: the arguments joined with ':' (fine for ids and short strings). */
  key?: (...args: A) => string;
}

export interface CacheEvictOptions<A extends unknown[]> {
  cache: CacheRef;
  key: (...args: A) => string | readonly string[];
  /** Broadcast to other instances (`invalidate`) rather than only delete here and in level 2. Default true. */
  broadcast?: boolean;
}

/** What the decorators recorded, for a framework that scans classes (core). */
export interface CacheMethodMetadata {
  method: string;
  kind: 'cacheable' | 'evict';
}

const kMetadata = Symbol.for('stages.cache.methods');

export function cacheMetadata(target: object): readonly CacheMethodMetadata[] {
  return ((target as Record<symbol, CacheMethodMetadata[]>)[kMetadata] ?? []).slice();
}

/**
 * Caches an async method's result with `cache.getOrLoad`, keyed from its arguments.
 * The cache is passed in (or found on the instance): the decorator imports nothing from a framework.
 */
export function Cacheable<A extends unknown[]>(options: CacheableOptions<A>): MethodDecorator {
  return (target, property, descriptor) => {
    record(target, String(property), 'cacheable');
    const original = descriptor.value as unknown as (...args: A) => Promise<unknown>;
    const { cache, key, ...loadOptions } = options;
    const keyOf = key ?? ((...args: A) => args.map(String).join(':'));
    const wrapped = function (this: unknown, ...args: A) {
      return resolve(cache, this).getOrLoad(keyOf(...args), () => original.apply(this, args), loadOptions);
    };
    (descriptor as PropertyDescriptor).value = wrapped;
    return descriptor;
  };
}

/** After the method resolves (the database changed), invalidates the keys computed from its arguments. */
export function CacheEvict<A extends unknown[]>(options: CacheEvictOptions<A>): MethodDecorator {
  return (target, property, descriptor) => {
    record(target, String(property), 'evict');
    const original = descriptor.value as unknown as (...args: A) => Promise<unknown>;
    const wrapped = async function (this: unknown, ...args: A) {
      const result = await original.apply(this, args);
      const cache = resolve(options.cache, this);
      const keys = options.key(...args);
      await (options.broadcast === false ? cache.delete(keys) : cache.invalidate(keys));
      return result;
    };
    (descriptor as PropertyDescriptor).value = wrapped;
    return descriptor;
  };
}

function resolve(ref: CacheRef, self: unknown): TwoLevelCache {
  return typeof ref === 'function' ? ref(self as never) : ref;
}

function record(target: object, method: string, kind: CacheMethodMetadata['kind']): void {
  const bag = target as Record<symbol, CacheMethodMetadata[]>;
  if (!Object.hasOwn(bag, kMetadata)) bag[kMetadata] = [...(bag[kMetadata] ?? [])];
  bag[kMetadata]!.push({ method, kind });
}
