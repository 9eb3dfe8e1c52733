import type { ReferenceClient } from './reference-client.js';

/** `{ getProduct(req): Promise<Product> }` for an interface whose methods may be declared sync or async. */
export type Remote<T> = {
  [K in keyof T]: T[K] extends (request: infer R) => infer O ? (request: R) => Promise<Awaited<O>> : never;
};

// Names a caller may touch without meaning a remote method: `await proxy` probes `then`, loggers probe
// `toJSON` and `inspect`; answering them with a remote call would hang or spam the provider.
const NOT_REMOTE = new Set<PropertyKey>(['then', 'toJSON', 'constructor', 'asymmetricMatch', 'nodeType', '$$typeof']);

/**
 * A typed object whose every method is a call through the client. Method functions are created once per name,
 * so `proxy.getProduct === proxy.getProduct` and a hot path allocates nothing per call here.
 */
export function createProxy<T>(client: ReferenceClient): Remote<T> {
  const methods = new Map<string, (payload: unknown) => Promise<unknown>>();
  return new Proxy(Object.create(null) as object, {
    get(_target, property) {
      if (typeof property !== 'string' || NOT_REMOTE.has(property)) return undefined;
      let fn = methods.get(property);
      if (fn === undefined) {
        fn = (payload: unknown) => client.call(property, payload);
        methods.set(property, fn);
      }
      return fn;
    },
    has: () => false,
    set: () => false,
  }) as Remote<T>;
}
