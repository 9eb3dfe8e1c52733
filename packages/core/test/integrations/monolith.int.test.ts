import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataSources, Stages, TwoLevelCache } from '@stages/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService, BrokenService, loads, NotesApi, NotesService, seen, slow } from './fixtures.js';

const until = async (check: () => boolean, timeoutMs = 3_000) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('monolith defaults: SQLite file, level-1 cache, in-process events, from core alone', () => {
  const name = `core-int-monolith-${process.pid}`;
  const file = resolve('.stages', 'data', `${name}.db`);
  let app: Stages;
  beforeAll(async () => {
    rmSync(file, { force: true });
    app = await Stages.create({
      services: [NotesService, AuditService],
      config: { app: { name }, admin: { enabled: false } },
      handleSignals: false,
    }).start();
  });
  afterAll(async () => {
    await app?.stop();
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  });

  it('writes to the default SQLite file, caches reads, and evicts on a write', async () => {
    const notes = app.client<NotesApi>(NotesApi);
    await notes.add({ id: 'm1', title: 'first' });
    expect(existsSync(file)).toBe(true);
    expect(app.dataSources.get().dialect).toBe('sqlite');

    await expect(notes.get({ id: 'm1' })).resolves.toEqual({ id: 'm1', title: 'first' });
    await expect(notes.get({ id: 'm1' })).resolves.toEqual({ id: 'm1', title: 'first' });
    expect(loads.get('m1')).toBe(1);

    await notes.rename({ id: 'm1', title: 'second' });
    await expect(notes.get({ id: 'm1' })).resolves.toEqual({ id: 'm1', title: 'second' });
    expect(loads.get('m1')).toBe(2);
    // No Redis configured: the cache is level 1 only, and the app's classes get the same instance.
    expect(app.container.root.resolve(TwoLevelCache)).toBe(app.cache);
    expect(app.container.root.resolve(DataSources as never)).toBe(app.dataSources);
  });

  it('delivers a published event to the @Subscribe handler of another service', async () => {
    const notes = app.client<NotesApi>(NotesApi);
    await notes.add({ id: 'm2', title: 'evented' });
    await until(() => seen.some((s) => s.handler === 'onAdded' && (s.value as { id: string }).id === 'm2'));
  });

  it('closes the pool at stop, after a call in flight has drained; statements fail afterwards', async () => {
    const other = await Stages.create({
      services: [NotesService],
      config: {
        app: { name: `${name}-b` },
        admin: { enabled: false },
        datasources: { main: { file: ':memory:' } },
      },
      handleSignals: false,
    }).start();
    const ds = other.dataSources.get('main');
    const events: string[] = [];
    other.onLifecycle((e) => events.push(e));
    // A call in flight when stop() begins finishes its write: pools close only after the drain.
    const inFlight = other.client<NotesApi>(NotesApi).addSlowly({ id: 's1', title: 'late' });
    await until(() => other.inFlight() === 1);
    const stopping = other.stop();
    await expect(inFlight).resolves.toBeUndefined();
    await stopping;
    expect(events).toEqual(expect.arrayContaining(['drained', 'hooks-done', 'stopped']));
    await expect(ds.query('SELECT 1 AS one')).rejects.toBeDefined();
  });

  it('unsubscribes first at stop, waiting for the handler in flight, whose write still lands', async () => {
    const other = await Stages.create({
      services: [NotesService],
      config: { app: { name: `${name}-c` }, admin: { enabled: false }, datasources: { main: { file: ':memory:' } } },
      handleSignals: false,
    }).start();
    const order: string[] = [];
    other.onLifecycle((e) => order.push(e));
    const unsubscribe = other.events.unsubscribeAll.bind(other.events);
    other.events.unsubscribeAll = async () => {
      await unsubscribe();
      order.push(`unsubscribed(${slow.join(',')})`);
    };
    await other.events.publish('note.slow', { id: 'h1', title: 'slow' });
    await until(() => slow.includes('started:h1'));
    await other.stop();
    expect(slow).toEqual(['started:h1', 'written:h1']);
    expect(order.slice(0, 3)).toEqual(['draining', 'unsubscribed(started:h1,written:h1)', 'deregistered']);
  });
});

describe('integration config errors fail start with CONFIG_INVALID', () => {
  it('names an unknown datasource and lists the configured ones', async () => {
    const app = Stages.create({
      services: [BrokenService],
      config: { admin: { enabled: false }, datasources: { main: { file: ':memory:' } } },
      handleSignals: false,
    });
    await expect(app.start()).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('no datasource named "nope"; configured: main'),
    });
  });

  it('rejects a datasource with neither url nor file', async () => {
    const app = Stages.create({
      services: [],
      config: { admin: { enabled: false }, datasources: { main: { driver: 'postgres' } } as never },
      handleSignals: false,
    });
    await expect(app.start()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
