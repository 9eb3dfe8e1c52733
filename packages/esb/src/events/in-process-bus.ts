import { StagesError } from '@stages/common';
import { deliver } from './delivery.js';
import type {
  EventBus,
  EventHandler,
  EventMessage,
  PublishOptions,
  SubscribeOptions,
  Subscription,
} from './event-bus.js';
import { type ResolvedSubscribeOptions, resolveSubscribeOptions } from './options.js';
import { partitionFor } from './partition.js';
import { preparePublish } from './publishing.js';
import { tracedPublish } from './tracing.js';

export interface InProcessBusOptions {
  /** Per-group queues per topic; a key always lands on the same one, which keeps its order. Default 4. */
  partitions?: number;
}

interface Member {
  readonly handler: EventHandler<unknown>;
  readonly options: ResolvedSubscribeOptions;
  closed: boolean;
}

/** One partition of one group: a queue drained by one member at a time, in order. */
class Lane {
  readonly queue: EventMessage[] = [];
  running: Promise<void> | undefined;
}

class Group {
  readonly members: Member[] = [];
  readonly lanes: Lane[];
  constructor(
    readonly name: string,
    partitions: number,
  ) {
    this.lanes = Array.from({ length: partitions }, () => new Lane());
  }
  /** Partition i belongs to member i mod n: members share the partitions as Kafka's range assignor would. */
  owner(partition: number): Member | undefined {
    const live = this.members.filter((m) => !m.closed);
    return live.length === 0 ? undefined : live[partition % live.length];
  }
}

/**
 * Monolith mode: the same contract as the networked buses inside one process. Messages live in memory, so
 * they survive a subscriber's restart but not the process: use Redis Streams or Kafka when that matters.
 * A group that has no member yet keeps its backlog until one subscribes.
 */
export class InProcessEventBus implements EventBus {
  readonly name = 'in-process';
  readonly #partitions: number;
  readonly #topics = new Map<string, Map<string, Group>>();
  #closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.#partitions = options.partitions ?? 4;
    if (!Number.isInteger(this.#partitions) || this.#partitions < 1) {
      throw new StagesError('CONFIG_INVALID', `InProcessEventBus partitions: expected an integer >= 1`);
    }
  }

  async publish(topic: string, value: unknown, options: PublishOptions = {}): Promise<string> {
    // A JSON round trip, as across a network: the handler never shares (or mutates) the publisher's object,
    // and a value that could not cross a network fails here too.
    const { id, json } = preparePublish(topic, value, options);
    if (this.#closed) throw new StagesError('UNAVAILABLE', 'event bus is closed');
    await tracedPublish(topic, options.headers ?? {}, async (headers) => {
      const message: EventMessage = {
        id,
        topic,
        headers,
        value: JSON.parse(json) as unknown,
        attempt: 1,
        timestamp: Date.now(),
        ...(options.key === undefined ? {} : { key: options.key }),
      };
      const partition = partitionFor(options.key, this.#partitions);
      for (const group of this.#topics.get(topic)?.values() ?? []) {
        group.lanes[partition]!.queue.push(message);
        this.#drain(group, partition);
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
    let groups = this.#topics.get(topic);
    if (!groups) {
      groups = new Map();
      this.#topics.set(topic, groups);
    }
    let g = groups.get(group);
    if (!g) {
      g = new Group(group, this.#partitions);
      groups.set(group, g);
    }
    const member: Member = { handler: handler as EventHandler<unknown>, options: resolved, closed: false };
    g.members.push(member);
    for (let p = 0; p < this.#partitions; p++) this.#drain(g, p);
    const owned = g;
    const partitions = this.#partitions;
    return {
      topic,
      group,
      get assignment() {
        return Array.from({ length: partitions }, (_, p) => p).filter((p) => owned.owner(p) === member);
      },
      close: async () => {
        member.closed = true;
        owned.members.splice(owned.members.indexOf(member), 1);
        // A broadcast group is its subscriber's alone: left in place it would queue every later message forever.
        if (resolved.broadcast && owned.members.length === 0 && groups.get(group) === owned) groups.delete(group);
        await Promise.all(owned.lanes.map((l) => l.running));
        for (let p = 0; p < partitions; p++) this.#drain(owned, p);
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const waits: Promise<void>[] = [];
    for (const groups of this.#topics.values()) {
      for (const g of groups.values()) {
        for (const m of g.members) m.closed = true;
        for (const lane of g.lanes) if (lane.running) waits.push(lane.running);
      }
    }
    await Promise.all(waits);
  }

  #drain(group: Group, partition: number): void {
    const lane = group.lanes[partition]!;
    if (lane.running) return;
    lane.running = (async () => {
      // Yield first: publish resolves before any handler runs, as with a networked bus.
      await Promise.resolve();
      while (lane.queue.length > 0) {
        const member = group.owner(partition);
        if (!member) break;
        const message = lane.queue[0]!;
        const done = await deliver(message, member.handler, {
          bus: this,
          group: group.name,
          options: member.options,
          closing: () => member.closed,
        }).catch(() => false);
        // Only a delivered (or dead-lettered) message leaves the queue: at-least-once, even in memory.
        if (done) lane.queue.shift();
        // Not done and still subscribed: the dead-letter publish failed. Pause, then try the message again.
        else if (!member.closed) await new Promise((r) => setTimeout(r, 100));
      }
    })().finally(() => {
      lane.running = undefined;
      if (lane.queue.length > 0 && group.owner(partition)) this.#drain(group, partition);
    });
  }
}
