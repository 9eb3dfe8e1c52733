/**
 * Where route documents come from. `watch` calls `fn` with the current document, then with every new one, and
 * returns a function that stops watching. Core connects @stages/config here (a config path holding the YAML
 * or object); `staticRoutes` serves a fixed document.
 */
export interface RouteSource {
  watch(fn: (document: unknown) => void): (() => void) | Promise<() => void>;
}

/** A source that never changes. */
export function staticRoutes(document: unknown): RouteSource {
  return {
    watch(fn) {
      fn(document);
      return () => {};
    },
  };
}
