import type { CallOptions } from './options.js';

/**
 * The typed view of a remote service: every method of T takes its request and optional CallOptions and
 * returns a promise of its (awaited) result. `client.proxy<CatalogApi>().getProduct({ id: 'p1' })`.
 */
export type ServiceProxy<T> = {
  readonly [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? (
        ...args: A extends [] ? [request?: undefined, options?: CallOptions] : [request: A[0], options?: CallOptions]
      ) => Promise<Awaited<R>>
    : never;
};

export function createProxy<T>(
  call: (method: string, payload: unknown, options?: CallOptions) => Promise<unknown>,
): ServiceProxy<T> {
  const methods = new Map<string, (payload: unknown, options?: CallOptions) => Promise<unknown>>();
  return new Proxy(Object.create(null) as object, {
    get(_target, name) {
      // `then` must stay undefined, or `await proxy` would treat the proxy as a promise and call it.
      if (typeof name !== 'string' || name === 'then') return undefined;
      let fn = methods.get(name);
      if (!fn) {
        fn = (payload, options) => call(name, payload, options);
        methods.set(name, fn);
      }
      return fn;
    },
  }) as ServiceProxy<T>;
}
