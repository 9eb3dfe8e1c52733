import type { LoadOptions } from '../options.js';
import type { Namespace } from './namespace.js';

/**
 * One getOrLoad that level 1 could not answer, as every later step sees it (level 2, the guards, the loader,
 * a stale refresh). Built once per call, always with the same fields in the same order, so the engine sees
 * one object shape.
 */
export interface Lookup<T> {
  readonly ns: Namespace;
  /** The caller's key: level 1 and the single flight use it as it is. */
  readonly key: string;
  /** The level-2 key, the namespace's `name:vN:` prefix and the key. */
  readonly full: string;
  readonly loader: () => Promise<T>;
  readonly options: LoadOptions<T> | undefined;
}
