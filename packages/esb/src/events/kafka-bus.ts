import { createLogger, StagesError } from '@stages/common';
import type { Consumer, Kafka, KafkaConfig, Producer } from 'kafkajs';
import { deliver } from './delivery.js';
import type { EventBus, EventHandler, PublishOptions, SubscribeOptions, Subscription } from './event-bus.js';
import { resolveSubscribeOptions } from './options.js';
import { preparePublish, publishFailed } from './publishing.js';
import { tracedPublish } from './tracing.js';

export interface KafkaBusOptions {
  /** `['127.0.0.1:9092']`; also read from KAFKA_BROKERS (comma-separated) by `fromEnv`. */
  brokers: readonly string[];
  clientId?: string;
  /** Extra kafkajs client config (ssl, sasl, retry), applied last. */
  kafka?: Partial<KafkaConfig>;
  /** Messages published without a key are spread by kafkajs' default partitioner. */
}

const log = createLogger('esb.events.kafka');
const ID_HEADER = 'stages-message-id';

/**
 * The production event bus on Kafka through kafkajs. Kafka does natively what the Redis bus builds by hand:
 * consumer groups balance partitions over members, a key picks its partition (kafkajs' murmur2 partitioner, the
 * same as the Java client), and one member reads a partition at a time, so order holds per key.
 *
 * At-least-once: `eachMessage` resolves only after the handler succeeded (or the message went to the DLQ), and
 * kafkajs commits an offset only after `eachMessage` resolved; a member that dies before committing has its
 * partitions reassigned and the uncommitted messages read again. The producer is idempotent with acks=all.
 *
 * Not exercised by this repository's CI: no Kafka broker can be installed on its machines. The contract suite
 * runs against it when KAFKA_BROKERS is set.
 */
export class KafkaEventBus implements EventBus {
  readonly name = 'kafka';
  readonly #options: KafkaBusOptions;
  #kafka: Kafka | undefined;
  #producer: Promise<Producer> | undefined;
  readonly #consumers = new Set<Consumer>();

  constructor(options: KafkaBusOptions) {
    if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
      throw new StagesError('CONFIG_INVALID', 'KafkaEventBus brokers: at least one broker is required', {
        details: { field: 'brokers' },
      });
    }
    this.#options = options;
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): KafkaEventBus | undefined {
    const brokers = env.KAFKA_BROKERS?.split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    return brokers?.length ? new KafkaEventBus({ brokers }) : undefined;
  }

  async #client(): Promise<Kafka> {
    if (this.#kafka) return this.#kafka;
    const kafkajs = await import('kafkajs').catch((cause) => {
      throw new StagesError('CONFIG_INVALID', "the Kafka event bus needs the 'kafkajs' package", { cause });
    });
    this.#kafka = new kafkajs.Kafka({
      clientId: this.#options.clientId ?? 'stages',
      brokers: [...this.#options.brokers],
      logLevel: kafkajs.logLevel.WARN,
      ...this.#options.kafka,
    });
    return this.#kafka;
  }

  #getProducer(): Promise<Producer> {
    this.#producer ??= (async () => {
      const producer = (await this.#client()).producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      return producer;
    })();
    return this.#producer;
  }

  async publish(topic: string, value: unknown, options: PublishOptions = {}): Promise<string> {
    const { id, json } = preparePublish(topic, value, options);
    const producer = await this.#getProducer();
    await tracedPublish(topic, options.headers ?? {}, async (headers) => {
      try {
        await producer.send({
          topic,
          acks: -1,
          messages: [{ key: options.key ?? null, value: json, headers: { ...headers, [ID_HEADER]: id } }],
        });
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
    const consumer = (await this.#client()).consumer({ groupId: group });
    let closing = false;
    let assignment: number[] = [];
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      assignment = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: resolved.from === 'earliest' });
    this.#consumers.add(consumer);
    const ctx = { bus: this, group, options: resolved, closing: () => closing };
    await consumer.run({
      autoCommit: true,
      // One message at a time per partition (kafkajs' default): the order per key is the partition's order.
      eachMessage: async ({ message, partition }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) {
          if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
        }
        const id = headers[ID_HEADER] ?? `${topic}:${partition}:${message.offset}`;
        delete headers[ID_HEADER];
        let value: unknown;
        try {
          value = message.value === null ? null : JSON.parse(message.value.toString('utf8'));
        } catch (error) {
          value = { raw: message.value?.toString('base64') };
          log.warn({ topic, offset: message.offset, err: (error as Error).message }, 'message is not JSON');
        }
        const done = await deliver(
          {
            id,
            topic,
            headers,
            value,
            attempt: 1,
            timestamp: Number(message.timestamp),
            ...(message.key ? { key: message.key.toString('utf8') } : {}),
          },
          handler as EventHandler<unknown>,
          ctx,
        );
        // Throwing makes kafkajs seek back to this offset: the message is read again, nothing is committed.
        if (!done) throw new StagesError('CANCELLED', 'subscription closing; message left uncommitted');
      },
    });
    return {
      topic,
      group,
      get assignment() {
        return assignment;
      },
      close: async () => {
        closing = true;
        await consumer.disconnect();
        this.#consumers.delete(consumer);
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#consumers].map((c) => c.disconnect().catch(() => {})));
    this.#consumers.clear();
    if (this.#producer) await (await this.#producer).disconnect().catch(() => {});
  }
}
