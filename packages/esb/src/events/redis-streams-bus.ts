import { createLogger, StagesError } from '@stages/common';
import type { Redis } from 'ioredis';
import type { EventBus, EventHandler, PublishOptions, SubscribeOptions, Subscription } from './event-bus.js';
import { resolveSubscribeOptions } from './options.js';
import { partitionFor } from './partition.js';
import { preparePublish, publishFailed } from './publishing.js';
import type { BroadcastKeys } from './redis-broadcast-groups.js';
import { encodeEntry } from './redis-codec.js';
import { RedisStreamSubscription } from './redis-stream-subscription.js';
import { tracedPublish } from './tracing.js';

export interface RedisStreamsBusOptions {
  /** `redis://127.0.0.1:6379`, or an existing ioredis client (not closed by the bus). */
  url?: string;
  client?: Redis;
  /** Key prefix. Default `stages:events:`. */
  prefix?: string;
  /**
   * Streams per topic (`<prefix><topic>:p<i>`). A key always hashes to the same one, and each is consumed by one
   * group member at a time, so order holds per key. Publishers and consumers must agree. Default 4.
   */
  partitions?: number;
  /** Approximate cap per stream (XADD MAXLEN ~). Default 100,000 entries. */
  maxLen?: number;
  /**
   * How long a member's partition lease lives without a heartbeat: a consumer that died has its partitions
   * (and their unacknowledged messages) taken over after this long. Default 5,000 ms.
   */
  leaseMs?: number;
  /** Upper bound of one blocking read; also how soon a newly won partition is read. Default 500 ms. */
  blockMs?: number;
  /** Messages per read per partition. Default 50. */
  batchSize?: number;
  /**
   * A broadcast group (`subscribe(..., { broadcast: true })`) whose members have all been silent this long is
   * destroyed by the next broadcast subscribe to its topic: its instance died without closing. Longer than any
   * pause you want a broadcast subscriber to survive with its place kept. Default 3,600,000 ms (1 h).
   */
  broadcastIdleMs?: number;
}

export interface ResolvedRedisStreamsOptions {
  readonly prefix: string;
  readonly partitions: number;
  readonly maxLen: number;
  readonly leaseMs: number;
  readonly blockMs: number;
  readonly batchSize: number;
  readonly broadcastIdleMs: number;
}

const log = createLogger('esb.events.redis');

/**
 * The event bus on Redis Streams (Redis >= 6.2): XADD to publish, consumer groups with XREADGROUP/XACK to
 * consume, XAUTOCLAIM to take over what a dead member left unacknowledged. Group members share a topic's
 * partitions through leases in Redis (see redis-stream-subscription.ts), which is what keeps per-key order.
 */
export class RedisStreamsEventBus implements EventBus {
  readonly name = 'redis-streams';
  readonly options: ResolvedRedisStreamsOptions;
  readonly #url: string | undefined;
  readonly #ownsClient: boolean;
  #client: Redis | undefined;
  #connecting: Promise<Redis> | undefined;
  readonly #subscriptions = new Set<RedisStreamSubscription>();

  constructor(options: RedisStreamsBusOptions) {
    if (!options.url && !options.client) {
      throw new StagesError('CONFIG_INVALID', 'RedisStreamsEventBus: url or client is required', {
        details: { field: 'url' },
      });
    }
    this.#url = options.url;
    this.#client = options.client;
    this.#ownsClient = !options.client;
    const o = {
      prefix: options.prefix ?? 'stages:events:',
      partitions: options.partitions ?? 4,
      maxLen: options.maxLen ?? 100_000,
      leaseMs: options.leaseMs ?? 5_000,
      blockMs: options.blockMs ?? 500,
      batchSize: options.batchSize ?? 50,
      broadcastIdleMs: options.broadcastIdleMs ?? 3_600_000,
    };
    for (const field of ['partitions', 'maxLen', 'leaseMs', 'blockMs', 'batchSize', 'broadcastIdleMs'] as const) {
      if (!Number.isInteger(o[field]) || o[field] < 1) {
        throw new StagesError(
          'CONFIG_INVALID',
          `RedisStreamsEventBus ${field}: expected an integer >= 1, got ${o[field]}`,
          {
            details: { field },
          },
        );
      }
    }
    this.options = Object.freeze(o);
  }

  streamKey(topic: string, partition: number): string {
    return `${this.options.prefix}${topic}:p${partition}`;
  }

  /** The keys a group's members and a topic's broadcast groups live under. */
  readonly keys: BroadcastKeys = {
    registry: (topic) => `${this.options.prefix}${topic}:broadcast-groups`,
    members: (topic, group) => `${this.options.prefix}${topic}:members:${group}`,
    streams: (topic) => Array.from({ length: this.options.partitions }, (_, p) => this.streamKey(topic, p)),
  };

  /** The command connection (created on first use; ioredis is loaded only then). */
  async client(): Promise<Redis> {
    if (this.#client) return this.#client;
    this.#connecting ??= (async () => {
      const { Redis } = await import('ioredis').catch((cause) => {
        throw new StagesError('CONFIG_INVALID', "the Redis Streams event bus needs the 'ioredis' package", { cause });
      });
      const client = new Redis(this.#url!, { lazyConnect: false, maxRetriesPerRequest: 3 });
      client.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
      this.#client = client;
      return client;
    })();
    return this.#connecting;
  }

  async publish(topic: string, value: unknown, options: PublishOptions = {}): Promise<string> {
    const { id, json } = preparePublish(topic, value, options);
    const fields = encodeEntry(id, options.key, options.headers ?? {}, json);
    const partition = partitionFor(options.key, this.options.partitions);
    const client = await this.client();
    await tracedPublish(topic, options.headers ?? {}, async (headers) => {
      fields[5] = JSON.stringify(headers);
      try {
        await client.xadd(this.streamKey(topic, partition), 'MAXLEN', '~', this.options.maxLen, '*', ...fields);
      } catch (cause) {
        throw publishFailed(topic, cause);
      }
    });
    return id;
  }

  async subscribe<T>(
    topic: string,
    group: string,
    handler: EventHandler<T>,
    options?: SubscribeOptions,
  ): Promise<Subscription> {
    const resolved = resolveSubscribeOptions(topic, group, options);
    const client = await this.client();
    const sub = new RedisStreamSubscription(this, client, topic, group, handler as EventHandler<unknown>, resolved);
    this.#subscriptions.add(sub);
    sub.onClose(() => this.#subscriptions.delete(sub));
    await sub.start();
    return sub;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((s) => s.close()));
    if (this.#ownsClient && this.#client) {
      await this.#client.quit().catch(() => this.#client?.disconnect());
    }
  }
}
