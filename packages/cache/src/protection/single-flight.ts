/**
 * Concurrent calls for one key share one run of `fn` (the breakdown guard inside a process): a thousand
 * requests that miss together cause one level-2 read and at most one load, and all get its result.
 */
export class SingleFlight {
  readonly #inflight = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.#inflight.get(key);
    if (running !== undefined) return running as Promise<T>;
    const promise = fn();
    this.#inflight.set(key, promise);
    // Callers get `promise` itself, not a `.finally()` copy: one promise hop less on the level-2 hit path.
    const clear = () => {
      if (this.#inflight.get(key) === promise) this.#inflight.delete(key);
    };
    promise.then(clear, clear);
    return promise;
  }

  has(key: string): boolean {
    return this.#inflight.has(key);
  }

  get size(): number {
    return this.#inflight.size;
  }
}
