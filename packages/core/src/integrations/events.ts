import { hostname } from 'node:os';
import { createLogger, runWithContext, StagesError } from '@stages/common';
import type {
  SubscribeOptions as BusSubscribeOptions,
  EventBus,
  EventHandler,
  EventMessage,
  PublishOptions,
  Subscription,
} from '@stages/esb';
import type { EventsConfig } from '../config/schema.js';
import { ownList } from '../decorators/metadata.js';
import type { ServiceDefinition } from '../scanner/scan-service.js';

const log = createLogger('core.events');

export const SUBSCRIBE_KEY = Symbol.for('stages.subscribe');

export interface SubscribeOptions extends BusSubscribeOptions {
  /**
   * Consumer group. Instances of one group share the messages (each goes to one); every group gets every
   * message. Default `<service>.<method>`: each handler sees every message once per service, not once per instance.
   */
  readonly group?: string;
  /**
   * Every instance gets every message (a read model or a local cache kept per process): the group is made
   * unique to this app instance (`<group>.<app>.<host>-<pid>`). New groups start at `from` (default: new messages only).
   */
  readonly broadcast?: boolean;
}

export interface SubscribeMetadata {
  readonly method: string;
  readonly topic: string;
  readonly options: SubscribeOptions;
}

/**
 * Handles the messages of `topic` with this method, called as `method(value, message)`. Records metadata
 * only: the app subscribes the handlers of its services when it starts and unsubscribes them first when it
 * stops. A handler that throws is retried with back-off, then the message goes to `<topic>.dlq`.
 */
export function Subscribe(topic: string, options: SubscribeOptions = {}): MethodDecorator {
  if (typeof topic !== 'string' || topic.length === 0) throw new TypeError('@Subscribe: topic is required');
  return (target, propertyKey) => {
    if (typeof propertyKey !== 'string') throw new TypeError('@Subscribe: method names must be strings');
    ownList<SubscribeMetadata>(SUBSCRIBE_KEY, target.constructor).push(
      Object.freeze({ method: propertyKey, topic, options: Object.freeze({ ...options }) }),
    );
  };
}

export function subscriptionsOf(cls: Function): readonly SubscribeMetadata[] {
  return (Reflect.getMetadata(SUBSCRIBE_KEY, cls) as SubscribeMetadata[] | undefined) ?? [];
}

/**
 * The app's event bus (`events.transport` in config), injectable as `Events`. The transport is created on
 * first use, so an app that neither publishes nor subscribes never loads @stages/esb or connects anywhere.
 */
export class Events implements EventBus {
  readonly name = 'app-events';
  #bus: Promise<EventBus> | undefined;
  #closed = false;
  readonly #subscriptions = new Set<Subscription>();

  constructor(
    private readonly config: EventsConfig | undefined,
    private readonly appName = 'app',
  ) {}

  /** The transport's own bus (for an OutboxRelay, a Gateway, or anything that takes an EventBus). */
  bus(): Promise<EventBus> {
    if (this.#closed) return Promise.reject(new StagesError('FAILED_PRECONDITION', 'the app event bus is closed'));
    this.#bus ??= createBus(this.config?.transport ?? 'inproc');
    return this.#bus;
  }

  async publish(topic: string, value: unknown, options?: PublishOptions): Promise<string> {
    return (await this.bus()).publish(topic, value, options);
  }

  async subscribe<T = unknown>(
    topic: string,
    group: string,
    handler: EventHandler<T>,
    options?: BusSubscribeOptions,
  ): Promise<Subscription> {
    const defaults = this.config?.subscribe ?? {};
    const subscription = await (await this.bus()).subscribe<T>(topic, group, handler, { ...defaults, ...options });
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Subscribes every `@Subscribe` method of the app's services. Each message runs in a fresh call context
   * (carrying the publisher's trace context), so data and cache access in the handler is scoped to it.
   */
  async subscribeServices(
    definitions: readonly ServiceDefinition[],
    instanceFor: (def: ServiceDefinition) => { instance: object; release?: () => unknown },
  ): Promise<number> {
    let count = 0;
    for (const def of definitions) {
      for (const sub of subscriptionsOf(def.cls)) {
        if (typeof (def.cls.prototype as Record<string, unknown>)[sub.method] !== 'function') {
          throw new StagesError('CONFIG_INVALID', `@Subscribe on ${def.name}.${sub.method}: not a method`);
        }
        const { group: named = `${def.name}.${sub.method}`, broadcast, ...options } = sub.options;
        const group = broadcast ? `${named}.${this.appName}.${hostname()}-${process.pid}` : named;
        const handler = (message: EventMessage) =>
          runWithContext({ metadata: traceHeaders(message.headers), tags: [], state: new Map() }, async () => {
            const { instance, release } = instanceFor(def);
            try {
              await (instance as Record<string, (value: unknown, message: EventMessage) => unknown>)[sub.method]?.(
                message.value,
                message,
              );
            } finally {
              await release?.();
            }
          });
        // Passed on so the bus treats the per-instance group as disposable (destroyed on close, swept when idle).
        await this.subscribe(sub.topic, group, handler, broadcast ? { ...options, broadcast: true } : options);
        log.debug({ service: def.name, method: sub.method, topic: sub.topic, group }, 'subscribed');
        count++;
      }
    }
    return count;
  }

  /** Stops taking messages (waiting for handlers in flight). The app calls it first when it stops. */
  async unsubscribeAll(): Promise<void> {
    const subscriptions = [...this.#subscriptions];
    this.#subscriptions.clear();
    const results = await Promise.allSettled(subscriptions.map((s) => s.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.unsubscribeAll().catch((error: unknown) => log.warn({ err: error }, 'unsubscribe failed'));
    const bus = this.#bus;
    if (bus) await (await bus.catch(() => undefined))?.close();
  }
}

async function createBus(transport: EventsConfig['transport']): Promise<EventBus> {
  // Loaded here, not at import: a monolith that never uses events does not pay for the esb package.
  const { eventBuses } = await import('@stages/esb');
  if (typeof transport === 'string') return eventBuses.resolve('in-process');
  const { type, ...options } = transport;
  return eventBuses.resolve({ type: type === 'inproc' ? 'in-process' : type, options });
}

function traceHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers.traceparent !== undefined) out.traceparent = headers.traceparent;
  if (headers.tracestate !== undefined) out.tracestate = headers.tracestate;
  return out;
}
