import type { Capability } from '../options.js';

/**
 * src/capabilities/<name>.ts: one injectable class per capability. Each opens its client lazily (injection
 * cannot await) and closes it in dispose(), which the app calls on stop after calls have drained. Each reads
 * its server address from the environment and falls back to an in-process implementation, so the project
 * runs and tests with no server at all.
 */
export function capabilitySource(capability: Capability): string {
  switch (capability) {
    case 'cache':
      return `import { Injectable } from '@stages/core';
import { TwoLevelCache } from '@stages/cache';

@Injectable()
export class GreetingCache {
  // REDIS_URL set: Redis is level 2, shared by every instance. Unset: this process's LRU only.
  readonly #cache = TwoLevelCache.create({
    ...(process.env.REDIS_URL ? { redis: { url: process.env.REDIS_URL } } : {}),
    ttlMs: 60_000,
  });

  async getOrLoad(key: string, load: () => Promise<string>): Promise<string> {
    const greetings = (await this.#cache).namespace('greetings', { version: 1 });
    return (await greetings.getOrLoad(key, load)) as string;
  }

  async dispose(): Promise<void> {
    await (await this.#cache).close();
  }
}
`;
    case 'data':
      // $n placeholders: the one style every driver of @stages/data accepts.
      return `import { Injectable } from '@stages/core';
import { type DataSource, openDataSource } from '@stages/data';

@Injectable()
export class GreetingStore {
  // DATABASE_URL: postgres://..., mysql://... or sqlite:file.db. Unset: an in-memory SQLite database.
  readonly #db: Promise<DataSource> = openDataSource({
    name: 'main',
    url: process.env.DATABASE_URL ?? 'sqlite::memory:',
  }).then(async (db) => {
    await db.execute('CREATE TABLE IF NOT EXISTS greetings (name VARCHAR(100) PRIMARY KEY, count INTEGER NOT NULL)');
    return db;
  });

  /** Counts greetings per name; returns the new count. */
  async record(name: string): Promise<number> {
    const db = await this.#db;
    return db.transaction(async (tx) => {
      const rows = await tx.query<{ count: number }>('SELECT count FROM greetings WHERE name = $1', [name]);
      const count = Number(rows[0]?.count ?? 0) + 1;
      if (rows.length === 0) await tx.execute('INSERT INTO greetings (name, count) VALUES ($1, $2)', [name, count]);
      else await tx.execute('UPDATE greetings SET count = $1 WHERE name = $2', [count, name]);
      return count;
    });
  }

  async dispose(): Promise<void> {
    await (await this.#db).close();
  }
}
`;
    case 'events':
      return `import { Injectable } from '@stages/core';
import { type EventBus, InProcessEventBus, RedisStreamsEventBus } from '@stages/esb';

@Injectable()
export class GreetingEvents {
  // EVENTS_REDIS_URL set: Redis Streams, delivered to every subscribing service. Unset: in-process.
  readonly bus: EventBus = process.env.EVENTS_REDIS_URL
    ? new RedisStreamsEventBus({ url: process.env.EVENTS_REDIS_URL })
    : new InProcessEventBus();

  publish(topic: string, key: string, value: unknown): Promise<string> {
    return this.bus.publish(topic, value, { key });
  }

  async dispose(): Promise<void> {
    await this.bus.close();
  }
}
`;
  }
}
