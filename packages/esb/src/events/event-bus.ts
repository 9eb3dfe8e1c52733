/**
 * One message as a handler sees it. `id` is stable across redeliveries (and across an outbox relay's
 * republish), so a consumer can deduplicate: delivery is at-least-once.
 */
export interface EventMessage<T = unknown> {
  readonly id: string;
  readonly topic: string;
  /** Messages with the same key are handled in publish order within a group. */
  readonly key?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: T;
  /** 1 for the first try; grows with each retry and with each redelivery after a consumer died. */
  readonly attempt: number;
  /** Publish time, epoch ms. */
  readonly timestamp: number;
}

export interface PublishOptions {
  key?: string;
  headers?: Record<string, string>;
  /** Defaults to a random UUID. The outbox relay passes the outbox row's id so republishes keep it. */
  id?: string;
}

export type EventHandler<T = unknown> = (message: EventMessage<T>) => unknown;

export interface SubscribeOptions {
  /** Tries per message before it goes to the dead-letter topic. Default 5. */
  maxAttempts?: number;
  /** First retry delay; doubles each retry up to `maxBackoffMs`. Default 100 ms. */
  backoffMs?: number;
  /** Default 5,000 ms. */
  maxBackoffMs?: number;
  /** Where exhausted messages go. Default `<topic>.dlq`; `false` drops them (logged). */
  deadLetterTopic?: string | false;
  /**
   * Where a new group starts: `'latest'` (default, like Kafka) sees messages published after it was first
   * created; `'earliest'` sees everything still retained.
   */
  from?: 'earliest' | 'latest';
  /**
   * The group is this subscription's alone: one instance's own group, so that it sees every message (a read model
   * or a local cache per process). Such a group is disposable: the transport may delete it when the subscription
   * closes, and sweep up the groups of instances that died (Redis Streams does both; see docs/events.md). It then
   * starts at `from` each time. Default false: a shared group keeps its place while none of its members runs.
   */
  broadcast?: boolean;
}

/** A live subscription. `close()` stops taking messages and waits for the handler in flight. */
export interface Subscription {
  readonly topic: string;
  readonly group: string;
  /**
   * The partitions this member consumes now, where the transport has partitions (Redis Streams, Kafka).
   * Group members share them out; a message's key picks its partition.
   */
  readonly assignment: readonly number[];
  close(): Promise<void>;
}

/**
 * publish/subscribe with consumer groups. Within a group each message goes to one member (balanced); every
 * group gets every message (broadcast is a group of one). A message is acknowledged only after its handler
 * resolves; a throwing handler is retried with backoff, then the message goes to the dead-letter topic with
 * the error in its headers (`stages-error-code`, `stages-error-message`). Ordering holds per key.
 */
export interface EventBus {
  readonly name: string;
  /** Resolves with the message id once the transport has accepted the message durably. */
  publish(topic: string, value: unknown, options?: PublishOptions): Promise<string>;
  subscribe<T = unknown>(
    topic: string,
    group: string,
    handler: EventHandler<T>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** Closes every subscription and connection this bus opened. */
  close(): Promise<void>;
}

/** Headers the bus itself sets on dead-lettered messages. */
export const DLQ_HEADERS = {
  code: 'stages-error-code',
  message: 'stages-error-message',
  topic: 'stages-original-topic',
  group: 'stages-original-group',
  attempts: 'stages-attempts',
} as const;
