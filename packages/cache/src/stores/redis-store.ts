import {
  createRedisClient,
  duplicateForSubscribe,
  type RedisClient,
  type RedisConnectionOptions,
  waitReady,
} from './redis-client.js';
import type { CacheStore } from './store.js';

export interface RedisStoreOptions {
  /** How long `RedisStore.connect` waits for the first connection before returning anyway. Default 2,000 ms. */
  readyTimeoutMs?: number;
}

/**
 * Level 2: Redis through ioredis (loaded on first use, so a monolith on the local store never pays for it).
 * Values are strings; the two-level cache serialises before it gets here. Errors and timeouts reject, fast:
 * see createRedisClient.
 */
export class RedisStore implements CacheStore {
  readonly name = 'redis';
  readonly #owned: boolean;

  private constructor(
    readonly client: RedisClient,
    owned: boolean,
  ) {
    this.#owned = owned;
  }

  /** Connects (waiting at most `readyTimeoutMs`); resolves even when Redis is down, which the cache tolerates. */
  static async connect(options: RedisConnectionOptions & RedisStoreOptions): Promise<RedisStore> {
    const client = await createRedisClient(options);
    await waitReady(client, options.readyTimeoutMs ?? 2_000);
    return new RedisStore(client, !('client' in options));
  }

  /** True when commands can be sent right now (a cheap local check, no round trip). */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  // The client's own promise, unwrapped by nobody: this is the level-2 hit path.
  get(key: string): Promise<string | null> {
    return this.client.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.client.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.client.del(key);
  }

  // MGET/DEL with many keys fail across Cluster slots; a pipeline is one round trip per node either way.
  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    if (!this.client.isCluster) return (await this.client.mget(...keys)).map((v) => v ?? undefined);
    const pipeline = this.client.pipeline();
    for (const key of keys) pipeline.get(key);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, value]) => {
      if (error) throw error;
      return (value as string | null) ?? undefined;
    });
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    if (!this.client.isCluster) {
      await this.client.del(...keys);
      return;
    }
    const pipeline = this.client.pipeline();
    for (const key of keys) pipeline.del(key);
    await pipeline.exec();
  }

  /** A separate connection for pub/sub; the caller closes it. */
  subscriber(): RedisClient {
    return duplicateForSubscribe(this.client);
  }

  async close(): Promise<void> {
    if (!this.#owned) return;
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
