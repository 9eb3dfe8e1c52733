import { Stages } from '@stages/core';
import { InMemoryRegistry, InMemoryStore } from '@stages/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailerService, NotesApi, NotesService, seen } from './fixtures.js';

describe('a service with only @Subscribe handlers (a worker)', () => {
  const store = new InMemoryStore();
  let app: Stages;
  beforeAll(async () => {
    app = await Stages.create({
      services: [NotesService, MailerService],
      registry: new InMemoryRegistry({ store }),
      config: {
        app: { name: `core-worker-${process.pid}` },
        admin: { enabled: false },
        datasources: { main: { file: ':memory:' } },
      },
      handleSignals: false,
    }).start();
  });
  afterAll(() => app?.stop());

  it('receives events, and is neither exposed nor registered as a provider', async () => {
    await app.client<NotesApi>(NotesApi).add({ id: 'w1', title: 'for the mailer' });
    const end = Date.now() + 3_000;
    while (!seen.some((s) => s.handler === 'mailer' && (s.value as { id: string }).id === 'w1')) {
      if (Date.now() > end) throw new Error('the worker never saw the event');
      await new Promise((r) => setTimeout(r, 10));
    }
    const lookup = new InMemoryRegistry({ store });
    expect(await lookup.lookup('mailer')).toEqual([]);
    expect((await lookup.lookup('notes')).length).toBe(1);
  });
});
