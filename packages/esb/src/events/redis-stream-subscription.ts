import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createLogger } from '@stages/common';
import type { Redis } from 'ioredis';
import { deliver } from './delivery.js';
import type { EventHandler, EventMessage, Subscription } from './event-bus.js';
import type { ResolvedSubscribeOptions } from './options.js';
import { disposeGroup, sweepBroadcastGroups } from './redis-broadcast-groups.js';
import { decodeEntry } from './redis-codec.js';
import type { RedisStreamsEventBus } from './redis-streams-bus.js';

const log = createLogger('esb.events.redis');

// Renew or release a lease only while we still hold it: a member that stalled past its lease must not
// extend or delete the lease its successor now holds.
const RENEW =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

type Entry = [id: string, fields: string[] | null];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One group member on Redis Streams.
 *
 * Redis consumer groups balance entries across consumers but not keys: two consumers reading one stream would
 * handle one key's messages concurrently. So each partition stream is read by exactly one member at a time,
 * the holder of a lease key (`SET NX PX`). Members heartbeat into a sorted set; each takes its fair share of
 * partitions (sorted member ids, the first `P mod n` take one extra) and releases the excess between reads.
 * A member that dies stops renewing; after `leaseMs` a survivor wins the lease, claims every pending entry of
 * the partition with XAUTOCLAIM (min idle 0: the lease says nobody else is working on them) and handles them
 * first, in id order, so order per key survives the takeover.
 */
export class RedisStreamSubscription implements Subscription {
  readonly consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  readonly #owned = new Map<number, { recover: boolean }>();
  readonly #release = new Set<number>();
  readonly #closeListeners: (() => void)[] = [];
  #reader: Redis | undefined;
  #closing = false;
  #loop: Promise<void> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;

  constructor(
    readonly bus: RedisStreamsEventBus,
    readonly client: Redis,
    readonly topic: string,
    readonly group: string,
    readonly handler: EventHandler<unknown>,
    readonly options: ResolvedSubscribeOptions,
  ) {}

  get assignment(): readonly number[] {
    return [...this.#owned.keys()].sort((a, b) => a - b);
  }

  onClose(fn: () => void): void {
    this.#closeListeners.push(fn);
  }

  async start(): Promise<void> {
    if (this.options.broadcast) {
      // Groups of instances that died without closing would pile up (one per process, forever): sweep them here.
      const { leaseMs, broadcastIdleMs } = this.bus.options;
      await sweepBroadcastGroups(this.client, this.bus.keys, this.topic, {
        leaseMs,
        idleMs: broadcastIdleMs,
        except: this.group,
      }).catch((err: Error) => log.warn({ err: err.message, topic: this.topic }, 'broadcast group sweep failed'));
    }
    await this.#ensureGroups();
    // Blocking reads hold their connection: give them their own.
    this.#reader = this.client.duplicate();
    this.#reader.on('error', (err) => log.warn({ err: err.message }, 'redis reader error'));
    await this.#beat();
    const interval = Math.max(50, Math.floor(this.bus.options.leaseMs / 3));
    this.#heartbeat = setInterval(() => {
      this.#beating ??= this.#beat().finally(() => (this.#beating = undefined));
    }, interval);
    this.#loop = this.#run();
  }

  async #ensureGroups(): Promise<void> {
    const { partitions } = this.bus.options;
    const from = this.options.from === 'earliest' ? '0' : '$';
    await Promise.all(
      Array.from({ length: partitions }, (_, p) =>
        this.client
          .xgroup('CREATE', this.bus.streamKey(this.topic, p), this.group, from, 'MKSTREAM')
          .catch((e: Error) => {
            if (!e.message.includes('BUSYGROUP')) throw e;
          }),
      ),
    );
  }

  async close(): Promise<void> {
    if (this.#closing) return this.#loop;
    this.#closing = true;
    clearInterval(this.#heartbeat);
    this.#reader?.disconnect();
    await this.#loop;
    await this.#beating;
    await Promise.all([...this.#owned.keys()].map((p) => this.#releaseLease(p)));
    this.#owned.clear();
    await this.client.zrem(this.#membersKey(), this.consumer).catch(() => {});
    if (this.options.broadcast) {
      // The group was this subscription's alone: nobody will resume from it, so it goes (unless, against the
      // option's meaning, another member still heartbeats in it).
      await disposeGroup(this.client, this.bus.keys, this.topic, this.group, {
        leaseMs: this.bus.options.leaseMs,
        reason: 'close',
      }).catch((err: Error) => log.warn({ err: err.message, group: this.group }, 'broadcast group not destroyed'));
    }
    for (const fn of this.#closeListeners) fn();
  }

  #leaseKey(p: number) {
    return `${this.bus.options.prefix}${this.topic}:lease:${this.group}:p${p}`;
  }

  #membersKey() {
    return this.bus.keys.members(this.topic, this.group);
  }

  /** Heartbeat: renew leases, compute the fair share, release the excess (via the loop), win free partitions. */
  async #beat(): Promise<void> {
    if (this.#closing) return;
    const { partitions, leaseMs } = this.bus.options;
    try {
      const now = Date.now();
      const membersKey = this.#membersKey();
      const tx = this.client
        .multi()
        .zadd(membersKey, now, this.consumer)
        .zremrangebyscore(membersKey, 0, now - leaseMs)
        .zrange(membersKey, 0, -1)
        .pexpire(membersKey, leaseMs * 10);
      // A broadcast group's last sign of life, which the sweep of other instances reads.
      if (this.options.broadcast) tx.zadd(this.bus.keys.registry(this.topic), now, this.group);
      const [, , members] = (await tx.exec().then((r) => r?.map(([, v]) => v))) as [unknown, unknown, string[]];
      const sorted = [...members].sort();
      const index = Math.max(0, sorted.indexOf(this.consumer));
      const quota = Math.floor(partitions / sorted.length) + (index < partitions % sorted.length ? 1 : 0);

      for (const p of [...this.#owned.keys()]) {
        const renewed = await this.client.eval(RENEW, 1, this.#leaseKey(p), this.consumer, leaseMs);
        if (renewed !== 1) {
          // We stalled past the lease and someone else holds it now: stop handling that partition at once.
          this.#owned.delete(p);
          log.warn({ topic: this.topic, group: this.group, partition: p }, 'partition lease lost');
        }
      }
      const keep = this.#owned.size - this.#release.size;
      if (keep > quota) {
        for (const p of [...this.#owned.keys()].reverse().slice(0, keep - quota)) this.#release.add(p);
      }
      for (let p = 0; p < partitions && this.#owned.size < quota; p++) {
        if (this.#owned.has(p) || this.#closing) continue;
        const won = await this.client.set(this.#leaseKey(p), this.consumer, 'PX', leaseMs, 'NX');
        if (won === 'OK') this.#owned.set(p, { recover: true });
      }
    } catch (error) {
      log.warn({ err: (error as Error).message, topic: this.topic }, 'heartbeat failed; retrying');
    }
  }

  async #releaseLease(p: number): Promise<void> {
    await this.client.eval(RELEASE, 1, this.#leaseKey(p), this.consumer).catch(() => {});
  }

  async #run(): Promise<void> {
    while (!this.#closing) {
      try {
        // Releases happen here, between batches, so the partition's successor never overlaps a handler of ours.
        for (const p of this.#release) {
          this.#owned.delete(p);
          await this.#releaseLease(p);
        }
        this.#release.clear();
        for (const [p, state] of this.#owned) {
          if (state.recover && !this.#closing) {
            await this.#recover(p);
            state.recover = false;
          }
        }
        const owned = [...this.#owned.keys()];
        if (owned.length === 0) {
          await sleep(Math.min(100, this.bus.options.blockMs));
          continue;
        }
        const keys = owned.map((p) => this.bus.streamKey(this.topic, p));
        const reply = (await this.#reader!.call(
          'XREADGROUP',
          'GROUP',
          this.group,
          this.consumer,
          'COUNT',
          this.bus.options.batchSize,
          'BLOCK',
          this.bus.options.blockMs,
          'STREAMS',
          ...keys,
          ...keys.map(() => '>'),
        )) as [string, Entry[]][] | null;
        if (!reply) continue;
        await Promise.all(reply.map(([key, entries]) => this.#handleAll(owned[keys.indexOf(key)]!, entries, () => 1)));
      } catch (error) {
        if (this.#closing) break;
        const message = (error as Error).message;
        if (message.includes('NOGROUP')) await this.#ensureGroups().catch(() => {});
        // Whatever was read but not acknowledged is pending now, and '>' never returns it again: recover it.
        for (const state of this.#owned.values()) state.recover = true;
        log.warn({ err: message, topic: this.topic }, 'read failed; retrying');
        await sleep(200);
      }
    }
  }

  /** Claims every pending entry of a newly won partition and handles them before any new one. */
  async #recover(p: number): Promise<void> {
    const key = this.bus.streamKey(this.topic, p);
    let cursor = '0-0';
    do {
      const [next, entries, deleted] = (await this.client.call(
        'XAUTOCLAIM',
        key,
        this.group,
        this.consumer,
        0,
        cursor,
        'COUNT',
        this.bus.options.batchSize,
      )) as [string, Entry[], string[]?];
      cursor = next;
      if (deleted?.length)
        log.warn({ topic: this.topic, deleted: deleted.length }, 'pending entries were trimmed away');
      if (entries.length === 0) continue;
      // XAUTOCLAIM counts a delivery: a message whose consumer died once is now on its second attempt.
      const pending = (await this.client.call(
        'XPENDING',
        key,
        this.group,
        entries[0]![0],
        entries.at(-1)![0],
        entries.length,
        this.consumer,
      )) as [string, string, number, number][];
      const deliveries = new Map(pending.map(([id, , , n]) => [id, n]));
      await this.#handleAll(p, entries, (id) => deliveries.get(id) ?? 1);
      if (!this.#owned.has(p) || this.#closing) return;
    } while (cursor !== '0-0');
  }

  async #handleAll(p: number, entries: Entry[], attemptOf: (id: string) => number): Promise<void> {
    const key = this.bus.streamKey(this.topic, p);
    for (const [entryId, fields] of entries) {
      // Lost or released the partition mid-batch: leave the rest pending for its next holder, in order.
      if (!this.#owned.has(p) || this.#release.has(p) || this.#closing) return;
      let message: EventMessage | undefined;
      let invalid: unknown;
      if (fields) {
        try {
          message = decodeEntry(this.topic, entryId, fields, attemptOf(entryId));
        } catch (error) {
          invalid = error;
        }
      }
      const ctx = { bus: this.bus, group: this.group, options: this.options, closing: () => this.#closing };
      let done: boolean;
      if (!fields)
        done = true; // trimmed away while pending: nothing left to deliver
      else if (!message) {
        // Unparseable: straight to the DLQ (retrying cannot help), with the raw fields kept.
        done = await deliver(
          {
            id: entryId,
            topic: this.topic,
            headers: {},
            value: { raw: fields },
            attempt: this.options.maxAttempts,
            timestamp: Date.now(),
          },
          () => {
            throw invalid;
          },
          ctx,
        );
      } else done = await deliver(message, this.handler, ctx);
      if (!done) return;
      await this.client.xack(key, this.group, entryId);
    }
  }
}
