import { defineService, StagesError } from '@stages/common';
import type { ProviderInstance } from '@stages/registry';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InProcessTransport } from '../../src/inproc/in-process-transport.js';

const started: InProcessTransport[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.stop({ drainTimeoutMs: 10 })));
});

function provider(address: { host: string; port: number }): ProviderInstance {
  return {
    id: `${address.host}:${address.port}`,
    service: 'orders',
    host: address.host,
    port: address.port,
    protocol: 'inproc',
    version: '1.0.0',
    group: '',
    weight: 100,
    tags: [],
    methods: [],
    startTime: Date.now(),
    metadata: {},
  };
}

async function serve(handler: object, methods: Parameters<typeof defineService>[0]['methods']) {
  const server = new InProcessTransport();
  server.expose(defineService({ name: 'orders', handler, methods }));
  started.push(server);
  return { server, provider: provider(await server.start()) };
}

const call = (method: string, payload: unknown, extra: object = {}) => ({
  service: 'orders',
  method,
  payload,
  deadline: Date.now() + 5000,
  metadata: {},
  ...extra,
});

describe('InProcessTransport', () => {
  it('copies payloads both ways, so neither side can mutate the other', async () => {
    let kept: { items: number[] } | undefined;
    const result = { total: 1 };
    const { provider: p } = await serve(
      {
        place: (req: { items: number[] }) => {
          kept = req;
          req.items.push(99);
          return result;
        },
      },
      ['place'],
    );
    const client = new InProcessTransport();
    const request = { items: [1, 2] };
    const answer = (await client.invoke(p, call('place', request))) as { total: number };
    expect(request.items).toEqual([1, 2]);
    expect(kept?.items).toEqual([1, 2, 99]);
    expect(answer).toEqual({ total: 1 });
    answer.total = 5;
    expect(result.total).toBe(1);
  });

  it('runs calls through the pipeline: validation, unknown methods, sanitised errors', async () => {
    const { provider: p } = await serve(
      {
        get: () => {
          throw new Error('secret detail');
        },
        put: () => 1,
      },
      ['get', { name: 'put', input: z.object({ id: z.string() }) }],
    );
    const client = new InProcessTransport();
    await expect(client.invoke(p, call('put', { id: 1 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(client.invoke(p, call('nope', {}))).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
    const error = (await client.invoke(p, call('get', {})).catch((e: unknown) => e)) as StagesError;
    expect(StagesError.is(error, 'INTERNAL')).toBe(true);
    expect(error.cause).toBeUndefined();
  });

  it('fails with retryable UNAVAILABLE when nothing serves the address, or the server is draining', async () => {
    let release!: () => void;
    const { server, provider: p } = await serve(
      { slow: () => new Promise<void>((r) => (release = r)), fast: () => 'ok' },
      ['slow', 'fast'],
    );
    const client = new InProcessTransport();
    await expect(client.invoke({ ...p, port: 999_999 }, call('fast', {}))).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
    });
    const slow = client.invoke(p, call('slow', {}));
    expect(server.inFlight()).toBe(1);
    const stopping = server.stop({ drainTimeoutMs: 5000 });
    await expect(client.invoke(p, call('fast', {}))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    release();
    await expect(slow).resolves.toBeUndefined();
    await stopping;
    expect(server.inFlight()).toBe(0);
  });

  it('honours an abort signal with CANCELLED', async () => {
    const { provider: p } = await serve({ slow: () => new Promise(() => {}) }, ['slow']);
    const client = new InProcessTransport();
    const abort = new AbortController();
    const pending = client.invoke(p, call('slow', {}, { signal: abort.signal }));
    abort.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
