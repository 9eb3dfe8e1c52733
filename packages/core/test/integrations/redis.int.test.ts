import { type EventMessage, Stages } from '@stages/core';
import { DLQ_HEADERS } from '@stages/esb';
import { type RedisCluster, startRedis } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService, loads, NotesApi, NotesService, seen } from './fixtures.js';

const until = async (check: () => boolean, timeoutMs = 5_000) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('cache and events on a real Redis, configured in core', () => {
  let redis: RedisCluster;
  let a: Stages;
  let b: Stages;
  const run = `${process.pid}-${Date.now()}`;
  const config = (name: string) => ({
    app: { name },
    admin: { enabled: false },
    datasources: { main: { file: ':memory:' } },
    cache: { redis: redis.primary.url, channel: `core-int:${run}`, namespaces: { note: { version: 1 } } },
    events: { transport: { type: 'redis-streams' as const, url: redis.primary.url, prefix: `core-int:${run}:` } },
  });

  beforeAll(async () => {
    redis = await startRedis();
    a = await Stages.create({
      services: [NotesService, AuditService],
      config: config('a'),
      handleSignals: false,
    }).start();
    b = await Stages.create({ services: [NotesService], config: config('b'), handleSignals: false }).start();
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  it('@Cacheable: the second read is a hit, in this instance and in another through Redis; @CacheEvict drops both', async () => {
    const notesA = a.client<NotesApi>(NotesApi);
    const notesB = b.client<NotesApi>(NotesApi);
    // Only A's database has the row: B can answer only from the shared level 2.
    await notesA.add({ id: 'r1', title: 'cached' });
    await expect(notesA.get({ id: 'r1' })).resolves.toEqual({ id: 'r1', title: 'cached' });
    await expect(notesA.get({ id: 'r1' })).resolves.toEqual({ id: 'r1', title: 'cached' });
    expect(loads.get('r1')).toBe(1);
    await expect(notesB.get({ id: 'r1' })).resolves.toEqual({ id: 'r1', title: 'cached' });
    expect(loads.get('r1')).toBe(1);
    expect(b.cache.stats()).toMatchObject({ l2Hits: 1 });

    await notesA.rename({ id: 'r1', title: 'renamed' });
    // Evicted everywhere: B's level 1 is dropped by the invalidation message, level 2 by A's delete, so B
    // goes to its own (empty) database now.
    await until(() => b.cache.namespace('note').peek('r1') === undefined);
    await expect(notesB.get({ id: 'r1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(notesA.get({ id: 'r1' })).resolves.toEqual({ id: 'r1', title: 'renamed' });
    expect(loads.get('r1')).toBe(3);
  });

  it('@Subscribe on Redis Streams: a published event reaches the handler; a failing one ends in the DLQ', async () => {
    const notes = b.client<NotesApi>(NotesApi);
    // Published by instance B, handled by A's audit service (another app, through Redis).
    await notes.add({ id: 'r2', title: 'evented' });
    await until(() => seen.some((s) => s.handler === 'onAdded' && (s.value as { id: string }).id === 'r2'));
    // broadcast: both instances of the notes service saw it, not one of them.
    const here = () => seen.filter((s) => s.handler === 'onAddedHere' && (s.value as { id: string }).id === 'r2');
    await until(() => here().length === 2);

    const dead: EventMessage[] = [];
    await a.events.subscribe('note.poison.dlq', 'test-dlq', (m) => void dead.push(m), { from: 'earliest' });
    await b.events.publish('note.poison', { id: 'p1' });
    await until(() => dead.length === 1);
    expect(seen.filter((s) => s.handler === 'onPoison')).toHaveLength(2);
    expect(dead[0]?.value).toEqual({ id: 'p1' });
    expect(dead[0]?.headers[DLQ_HEADERS.code]).toBe('FAILED_PRECONDITION');
    expect(dead[0]?.headers[DLQ_HEADERS.group]).toBe('audit.onPoison');
  });

  it("destroys an instance's broadcast consumer groups when the app stops", async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.primary.url);
    try {
      const broadcastGroups = async () => {
        const streams = await client.keys(`core-int:${run}:note.added*`);
        const names: string[] = [];
        for (const stream of streams) {
          if ((await client.type(stream)) !== 'stream') continue;
          for (const info of (await client.xinfo('GROUPS', stream)) as unknown[][]) names.push(String(info[1]));
        }
        return names.filter((n) => n.startsWith('notes.onAddedHere.b.'));
      };
      expect((await broadcastGroups()).length).toBeGreaterThan(0);
      await b.stop();
      expect(await broadcastGroups()).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
