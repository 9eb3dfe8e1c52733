import type { RedisClient } from '../stores/redis-client.js';
import type { Level1 } from './level1.js';
import { FAILED, type Level2, type Recoverable } from './level2.js';
import { Namespace } from './namespace.js';

/**
 * The namespaces of one cache and their versions. A namespace's version is its configured one plus a bump
 * count kept in Redis (`nsv:<name>`), shared by every instance; without Redis the count is local.
 */
export class NamespaceRegistry implements Recoverable {
  /** True while some bump count could not be read: Level2 calls `refresh` once Redis answers. */
  stale = false;
  readonly #namespaces = new Map<string, Namespace>();
  readonly #level1: Level1;
  readonly #level2: Level2;
  readonly #redis: RedisClient | undefined;

  constructor(level1: Level1, level2: Level2, redis: RedisClient | undefined) {
    this.#level1 = level1;
    this.#level2 = level2;
    this.#redis = redis;
  }

  get(name: string, version: number): Namespace {
    const key = `${name}\0${version}`;
    let ns = this.#namespaces.get(key);
    if (ns === undefined) {
      ns = new Namespace(name, version, () => this.#level1.create());
      this.#namespaces.set(key, ns);
      if (this.#redis === undefined) ns.setBumps(0);
      else void this.resolve(ns);
    }
    return ns;
  }

  /** Every version of the namespace called `name` this process has used. */
  *named(name: string): Iterable<Namespace> {
    for (const ns of this.#namespaces.values()) if (ns.name === name) yield ns;
  }

  /** Reads the namespace's bump count from Redis (once); if Redis cannot answer, uses 0 and retries on recovery. */
  resolve(ns: Namespace): Promise<string> {
    if (ns.prefix !== undefined) return Promise.resolve(ns.prefix);
    const redis = this.#redis!;
    ns.resolving ??= (async () => {
      const raw = await this.#level2.call(() => redis.get(bumpKey(ns.name)));
      ns.resolving = undefined;
      // Unknown while Redis is down: serve under the configured version, and look again once Redis answers.
      if (raw === FAILED) this.stale = true;
      return ns.setBumps(raw === FAILED ? 0 : Number(raw ?? 0));
    })();
    return ns.resolving;
  }

  /** Re-reads every bump count: some may have moved while this instance could not hear the broadcasts. */
  refresh(): void {
    this.stale = false;
    if (this.#redis === undefined) return;
    const redis = this.#redis;
    let failed = false;
    const reads = [...this.#namespaces.values()].map((ns) =>
      redis
        .get(bumpKey(ns.name))
        .then((raw) => ns.setBumps(Number(raw ?? 0)))
        .catch(() => {
          failed = true;
        }),
    );
    void Promise.all(reads).then(() => {
      this.stale = failed;
    });
  }

  /**
   * Moves the namespace to its next version. Resolves the cluster-wide bump count to broadcast, or undefined
   * when there is no Redis (the bump is this process's alone); FAILED when Redis did not answer.
   */
  async bump(ns: Namespace): Promise<number | undefined | typeof FAILED> {
    if (this.#redis === undefined) {
      ns.setBumps(ns.bumps + 1);
      return undefined;
    }
    const redis = this.#redis;
    const bumps = await this.#level2.call(() => redis.incr(bumpKey(ns.name)));
    if (bumps !== FAILED) ns.setBumps(bumps);
    return bumps;
  }

  clearL1(): void {
    for (const ns of this.#namespaces.values()) ns.l1?.clear();
  }

  l1Size(): { entries: number; bytes: number } {
    let entries = 0;
    let bytes = 0;
    for (const ns of this.#namespaces.values()) {
      entries += ns.l1?.size ?? 0;
      bytes += ns.l1?.bytes ?? 0;
    }
    return { entries, bytes };
  }
}

function bumpKey(namespace: string): string {
  return `nsv:${namespace}`;
}
