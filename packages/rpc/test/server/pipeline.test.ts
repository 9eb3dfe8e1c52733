import { currentContext, defineService, StagesError } from '@stages/common';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CallCancellation } from '../../src/server/cancellation.js';
import { ServerPipeline } from '../../src/server/pipeline.js';

function deferred<T = unknown>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function pipelineWith(
  handler: object,
  methods: Parameters<typeof defineService>[0]['methods'],
  maxConcurrency?: number,
) {
  const pipeline = new ServerPipeline();
  pipeline.expose(
    defineService({ name: 'svc', handler, methods, ...(maxConcurrency === undefined ? {} : { maxConcurrency }) }),
  );
  return pipeline;
}

const call = (method: string, payload: unknown = {}, extra: object = {}) => ({
  service: 'svc',
  method,
  payload,
  metadata: {},
  ...extra,
});

describe('ServerPipeline', () => {
  it('answers unknown services and methods with UNIMPLEMENTED naming them', async () => {
    const pipeline = pipelineWith({ a: () => 1 }, ['a']);
    await expect(pipeline.handle(call('nope'))).rejects.toMatchObject({
      code: 'UNIMPLEMENTED',
      message: expect.stringContaining('nope'),
    });
    await expect(pipeline.handle({ ...call('a'), service: 'other' })).rejects.toMatchObject({
      code: 'UNIMPLEMENTED',
      message: expect.stringContaining('other'),
    });
  });

  it('validates input and names the failing fields; the handler gets the parsed value', async () => {
    const seen: unknown[] = [];
    const input = z.object({ name: z.string(), age: z.number().int().default(1) });
    const pipeline = pipelineWith({ greet: (r: unknown) => seen.push(r) }, [{ name: 'greet', input }]);
    const error = (await pipeline.handle(call('greet', { name: 5, age: 'x' })).catch((e: unknown) => e)) as StagesError;
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(error.message).toMatch(/name/);
    expect(error.message).toMatch(/age/);
    expect((error.details!.fields as { path: string }[]).map((f: { path: string }) => f.path).sort()).toEqual([
      'age',
      'name',
    ]);
    expect(seen).toEqual([]);
    await pipeline.handle(call('greet', { name: 'ann' }));
    expect(seen).toEqual([{ name: 'ann', age: 1 }]);
  });

  it('refuses an expired deadline without running the handler, and cuts a slow handler at the deadline', async () => {
    let ran = 0;
    const gate = deferred();
    const pipeline = pipelineWith(
      {
        fast: () => ran++,
        slow: () => gate.promise,
      },
      ['fast', 'slow'],
    );
    await expect(pipeline.handle(call('fast', {}, { deadline: Date.now() - 1 }))).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    expect(ran).toBe(0);
    await expect(pipeline.handle(call('slow', {}, { deadline: Date.now() + 20 }))).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
      retryable: true,
    });
    // The handler still runs: it is counted until it really ends.
    expect(pipeline.inFlight()).toBe(1);
    gate.resolve(1);
    await expect(pipeline.whenIdle(1000)).resolves.toBe(true);
  });

  it('enforces method and service bulkheads and frees the slot when the handler ends', async () => {
    const gate = deferred();
    const pipeline = pipelineWith(
      { m: () => gate.promise, n: () => gate.promise },
      [{ name: 'm', maxConcurrency: 1 }, 'n'],
      2,
    );
    const first = pipeline.handle(call('m'));
    await expect(pipeline.handle(call('m'))).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    const second = pipeline.handle(call('n'));
    await expect(pipeline.handle(call('n'))).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      message: expect.stringContaining('service svc'),
    });
    gate.resolve('ok');
    await expect(Promise.all([first, second])).resolves.toEqual(['ok', 'ok']);
    await expect(pipeline.handle(call('m'))).resolves.toBe('ok');
  });

  it('runs the handler in a call context built from the incoming metadata', async () => {
    const pipeline = pipelineWith({ ctx: () => currentContext() }, ['ctx']);
    const deadline = Date.now() + 5000;
    const ctx = (await pipeline.handle(
      call('ctx', {}, { deadline, metadata: { 'stages-caller': 'svc-a', 'stages-tags': 'canary, blue', x: '1' } }),
    )) as ReturnType<typeof currentContext>;
    expect(ctx).toMatchObject({ caller: 'svc-a', tags: ['canary', 'blue'], deadline, metadata: { x: '1' } });
  });

  it('never leaks a non-Stages error message, and passes Stages errors through unchanged', async () => {
    const pipeline = pipelineWith(
      {
        boom: () => {
          throw new Error('password=hunter2');
        },
        coded: async () => {
          throw new StagesError('NOT_FOUND', 'no such order', { details: { id: 7 } });
        },
      },
      ['boom', 'coded'],
    );
    const error = (await pipeline.handle(call('boom')).catch((e: unknown) => e)) as StagesError;
    expect(error).toMatchObject({ code: 'INTERNAL', message: 'internal error' });
    expect(JSON.stringify(error.toWire())).not.toContain('hunter2');
    await expect(pipeline.handle(call('coded'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'no such order',
      details: { id: 7 },
    });
    expect(pipeline.inFlight()).toBe(0);
  });

  it('rejects a cancelled call with CANCELLED', async () => {
    const gate = deferred();
    const pipeline = pipelineWith({ slow: () => gate.promise }, ['slow']);
    const cancellation = new CallCancellation();
    const pending = pipeline.handle(call('slow'), cancellation);
    cancellation.cancel();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    gate.resolve(1);
  });
});
