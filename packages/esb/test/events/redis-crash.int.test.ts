import { type ProcessHandle, type RedisCluster, startProcess, startRedis } from '@stages/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventMessage, RedisStreamsEventBus } from '../../src/index.js';
import { until } from '../helpers.js';

const FIXTURE = 'packages/esb/test/fixtures/consumer.ts';

function lines(handle: ProcessHandle, verb: 'done' | 'handling') {
  return [...handle.output().matchAll(new RegExp(`^${verb} (\\S+) (\\d+) (\\d+)$`, 'gm'))].map((m) => ({
    id: m[1]!,
    n: Number(m[2]),
    attempt: Number(m[3]),
  }));
}

// Two consumer processes in one group on a real Redis; one is SIGKILLed while its handler runs.
describe('Redis Streams: a consumer killed mid-handler', () => {
  let redis: RedisCluster;
  let bus: RedisStreamsEventBus;
  const procs: ProcessHandle[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    bus = new RedisStreamsEventBus({ url: redis.primary.url, leaseMs: 1_000, blockMs: 100 });
  });
  afterAll(async () => {
    await bus?.close();
    await Promise.all(procs.map((p) => p.stop(2_000).catch(() => {})));
    await redis?.stop();
  });

  it('redelivers its message to the other consumer, dead-letters the poison one, and loses nothing', async () => {
    const topic = `orders-${process.pid}`;
    const env = { REDIS: redis.primary.url, TOPIC: topic, GROUP: 'billing', STAGES_LOG_LEVEL: 'silent', HANG_ON: '57' };
    const dlq: EventMessage[] = [];
    await bus.subscribe(`${topic}.dlq`, 'ops', (m) => void dlq.push(m), { from: 'earliest' });
    const [a, b] = await Promise.all([0, 1].map(() => startProcess({ args: [FIXTURE], env, ready: /subscribed/ })));
    procs.push(a!, b!);
    // Both members hold partitions before the load starts, so the hanging message lands on one of two.
    await until(
      () =>
        /assignment \d/.test(a!.output().split('\n').slice(-3).join('\n')) &&
        /assignment \d/.test(b!.output().split('\n').slice(-3).join('\n')),
      10_000,
      'both consumers hold partitions',
    );

    const published = new Map<string, number>();
    for (let n = 0; n < 200; n++) {
      const id = await bus.publish(topic, n === 99 ? { n, poison: true } : { n }, { key: `customer-${n % 13}` });
      published.set(id, n);
    }
    // Whichever process took message 57 hangs in its handler: kill it there.
    await until(
      () => [a!, b!].some((p) => lines(p, 'handling').some((l) => l.n === 57)),
      10_000,
      'message 57 in a handler',
    );
    const victim = lines(a!, 'handling').some((l) => l.n === 57) ? a! : b!;
    const survivor = victim === a ? b! : a!;
    const killedAt = Date.now();
    await victim.kill('SIGKILL');

    const doneIds = () => new Set([...lines(a!, 'done'), ...lines(b!, 'done')].map((l) => l.id));
    const waited = await until(
      () => doneIds().size + dlq.length >= 200,
      20_000,
      'every message handled or dead-lettered',
    );
    const redelivered = lines(survivor, 'done').find((l) => l.n === 57)!;
    const victimDone = lines(victim, 'done').length;
    const survivorDone = lines(survivor, 'done').length;
    const duplicates = victimDone + survivorDone - doneIds().size;
    console.log(
      `crash: 200 published; victim handled ${victimDone} before SIGKILL, survivor ${survivorDone}; message 57 redelivered ` +
        `at attempt ${redelivered.attempt} ${Date.now() - killedAt} ms after the kill (lease 1 s, waited ${waited} ms); ` +
        `${duplicates} duplicate deliveries; ${dlq.length} dead-lettered`,
    );
    expect(redelivered.attempt).toBe(2);
    expect(dlq).toHaveLength(1);
    expect(published.get(dlq[0]!.id)).toBe(99);
    expect(dlq[0]!.headers['stages-attempts']).toBe('3');
    // count in = count out + DLQ, and nothing out that was never in.
    const done = doneIds();
    for (const id of done) expect(published.has(id)).toBe(true);
    expect(done.size + dlq.length).toBe(200);
    expect(done.has(dlq[0]!.id)).toBe(false);
  });
});

// A message whose consumer dies every time (it crashes the process, say) must not circle forever: the delivery
// count Redis keeps becomes the attempt number, and past maxAttempts the message is dead-lettered unhandled.
describe('Redis Streams: a message that keeps killing its consumers', () => {
  let redis: RedisCluster;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  it('goes to the DLQ once its delivery count passes maxAttempts, without running the handler again', async () => {
    const bus = new RedisStreamsEventBus({ url: redis.primary.url, leaseMs: 600, blockMs: 100, partitions: 1 });
    const topic = `crashy-${process.pid}`;
    const client = await bus.client();
    await client.xgroup('CREATE', bus.streamKey(topic, 0), 'g', '$', 'MKSTREAM');
    const id = await bus.publish(topic, { boom: true });
    const good = await bus.publish(topic, { boom: false });
    // Three consumers "died" holding the first message: it was read, claimed twice more, never acknowledged.
    await client.call('XREADGROUP', 'GROUP', 'g', 'ghost-1', 'COUNT', 1, 'STREAMS', bus.streamKey(topic, 0), '>');
    const [[entryId]] = (await client.call('XPENDING', bus.streamKey(topic, 0), 'g', '-', '+', 1)) as [[string]];
    await client.call('XCLAIM', bus.streamKey(topic, 0), 'g', 'ghost-2', 0, entryId, 'RETRYCOUNT', 3);

    const handled: unknown[] = [];
    const dlq: EventMessage[] = [];
    await bus.subscribe(`${topic}.dlq`, 'ops', (m) => void dlq.push(m), { from: 'earliest' });
    await bus.subscribe(topic, 'g', (m) => void handled.push(m.id), { maxAttempts: 3 });
    await until(() => dlq.length === 1 && handled.length === 1, 10_000, 'dead letter and the next message');
    expect(dlq[0]!.id).toBe(id);
    expect(dlq[0]!.headers['stages-attempts']).toBe('4');
    expect(dlq[0]!.headers['stages-error-message']).toMatch(/consumer died 3 times/);
    expect(handled).toEqual([good]);
    await bus.close();
  });
});
