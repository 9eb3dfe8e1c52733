import { createLogger } from '@stages/common';
import type { RedisClient } from '../stores/redis-client.js';

/** One broadcast: drop these level-1 keys of a namespace, or adopt its new bump count. */
export interface InvalidationMessage {
  /** Instance that sent it (it has already dropped its own copy). */
  origin: string;
  /** Namespace name. */
  ns: string;
  /** Keys as the caller gave them (without the `ns:vN:` prefix). */
  keys?: string[];
  /** The namespace's new bump count (bumpVersion). */
  bumps?: number;
  /** Sender's Date.now(), to measure the delivery delay. */
  sentAt: number;
}

export interface InvalidationBusHandlers {
  onMessage(message: InvalidationMessage): void;
  /**
   * The subscription was down for a while: messages sent meanwhile are lost, so every level-1 copy may be
   * stale. The cache clears level 1.
   */
  onResync(): void;
}

const log = createLogger('cache.invalidation');
const SUBSCRIBE_WAIT_MS = 1_000;

/**
 * Level-1 invalidation across instances over Redis pub/sub. Pub/sub is at-most-once, so the bus also reports
 * when its subscription was interrupted and the cache drops all of level 1 then; level 1's own TTL bounds
 * staleness in the remaining case (a message lost while the connection looked healthy).
 */
export class InvalidationBus {
  readonly #publisher: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #channel: string;
  #wasReady = false;
  #lostSince = false;

  constructor(publisher: RedisClient, subscriber: RedisClient, channel: string) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channel = channel;
  }

  async start(handlers: InvalidationBusHandlers): Promise<void> {
    this.#subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.#channel) return;
      let message: InvalidationMessage;
      try {
        message = JSON.parse(text) as InvalidationMessage;
      } catch {
        log.warn({ channel }, 'ignoring a malformed invalidation message');
        return;
      }
      handlers.onMessage(message);
    });
    this.#subscriber.on('close', () => {
      if (this.#wasReady) this.#lostSince = true;
    });
    this.#subscriber.on('ready', () => {
      if (this.#lostSince) {
        this.#lostSince = false;
        handlers.onResync();
      }
      this.#wasReady = true;
    });
    if (this.#subscriber.status === 'ready') this.#wasReady = true;
    // The subscriber keeps an offline queue, so SUBSCRIBE waits for a connection: wait for it briefly (a cache
    // that starts with Redis up is subscribed when create() returns), but never block start on a dead Redis.
    const subscribed = this.#subscriber.subscribe(this.#channel).then(
      () => true,
      (error: Error) => {
        log.warn({ err: error.message }, 'invalidation subscription failed');
        return false;
      },
    );
    const timer = new Promise<boolean>((resolve) => setTimeout(resolve, SUBSCRIBE_WAIT_MS, false).unref());
    if (!(await Promise.race([subscribed, timer]))) {
      log.warn('invalidation subscription deferred until Redis answers');
    }
  }

  async publish(message: InvalidationMessage): Promise<void> {
    await this.#publisher.publish(this.#channel, JSON.stringify(message));
  }

  async close(): Promise<void> {
    // Not quit(): with its offline queue the subscriber would wait for a Redis that may never come back.
    this.#subscriber.disconnect();
  }
}
