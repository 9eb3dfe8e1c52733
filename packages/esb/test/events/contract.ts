import { describe, expect, it } from 'vitest';
import type { EventBus, EventMessage, Subscription } from '../../src/index.js';
import { until } from '../helpers.js';

/**
 * The one contract every event bus meets, run by in-process.test.ts, redis-streams.int.test.ts and
 * kafka.int.test.ts. `make()` gives a fresh bus; every test uses its own topic so runs never see each other.
 */
export function eventBusContract(name: string, make: () => Promise<EventBus>, opts: { settleMs?: number } = {}) {
  let n = 0;
  const topic = () => `contract-${process.pid}-${Date.now().toString(36)}-${n++}`;

  async function balanced(subs: Subscription[], partitions: number) {
    // Members share the partitions out: wait until each holds some and none is held twice.
    await until(
      () => {
        const all = subs.flatMap((s) => s.assignment);
        return (
          subs.every((s) => s.assignment.length > 0) && all.length === partitions && new Set(all).size === partitions
        );
      },
      15_000,
      'balanced assignment',
    );
  }

  describe(`event bus contract: ${name}`, () => {
    it('balances one group: every message to exactly one member, both members get some', async () => {
      const bus = await make();
      const t = topic();
      const got: Record<string, string[]> = { a: [], b: [] };
      const a = await bus.subscribe(t, 'g', (m) => void got.a!.push(m.id));
      const b = await bus.subscribe(t, 'g', (m) => void got.b!.push(m.id));
      await balanced([a, b], 4);
      const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => bus.publish(t, { i }, { key: `k${i}` })));
      await until(() => got.a!.length + got.b!.length >= 40, 10_000, 'all handled');
      await new Promise((r) => setTimeout(r, opts.settleMs ?? 50));
      expect([...got.a!, ...got.b!].sort()).toEqual([...ids].sort());
      expect(got.a!.length).toBeGreaterThan(0);
      expect(got.b!.length).toBeGreaterThan(0);
      await bus.close();
    });

    it('broadcasts across groups: each group gets every message', async () => {
      const bus = await make();
      const t = topic();
      const g1: unknown[] = [];
      const g2: unknown[] = [];
      await bus.subscribe(t, 'one', (m) => void g1.push(m.value));
      await bus.subscribe(t, 'two', (m) => void g2.push(m.value));
      for (let i = 0; i < 10; i++) await bus.publish(t, { i });
      await until(() => g1.length === 10 && g2.length === 10, 10_000, 'both groups');
      expect(new Set(g1.map((v) => (v as { i: number }).i)).size).toBe(10);
      expect(g2).toHaveLength(10);
      await bus.close();
    });

    it('keeps order per key, with slow handlers and two members', async () => {
      const bus = await make();
      const t = topic();
      const seen = new Map<string, number[]>();
      const handler = async (m: EventMessage<{ seq: number }>) => {
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        const list = seen.get(m.key!) ?? [];
        list.push(m.value.seq);
        seen.set(m.key!, list);
      };
      const a = await bus.subscribe(t, 'g', handler);
      const b = await bus.subscribe(t, 'g', handler);
      await balanced([a, b], 4);
      const keys = ['alpha', 'beta', 'gamma', 'delta'];
      for (let seq = 0; seq < 25; seq++) for (const key of keys) await bus.publish(t, { seq }, { key });
      await until(() => keys.every((k) => (seen.get(k)?.length ?? 0) === 25), 15_000, 'every key complete');
      for (const k of keys) expect(seen.get(k)).toEqual(Array.from({ length: 25 }, (_, i) => i));
      await bus.close();
    });

    it('retries a failing handler with backoff and acknowledges once it succeeds', async () => {
      const bus = await make();
      const t = topic();
      const attempts: number[] = [];
      const dlq: unknown[] = [];
      await bus.subscribe(
        t,
        'g',
        (m) => {
          attempts.push(m.attempt);
          if (m.attempt < 3) throw new Error(`transient ${m.attempt}`);
        },
        { maxAttempts: 5, backoffMs: 10 },
      );
      await bus.subscribe(`${t}.dlq`, 'dlq', (m) => void dlq.push(m));
      await bus.publish(t, { x: 1 });
      await until(() => attempts.length === 3, 10_000, 'three attempts');
      await new Promise((r) => setTimeout(r, 200));
      expect(attempts).toEqual([1, 2, 3]);
      expect(dlq).toEqual([]);
      await bus.close();
    });

    it('dead-letters a poison message after maxAttempts, with the error attached, and goes on', async () => {
      const bus = await make();
      const t = topic();
      const handled: number[] = [];
      let poisonTries = 0;
      const dlq: EventMessage[] = [];
      await bus.subscribe<{ n: number; poison?: boolean }>(
        t,
        'g',
        (m) => {
          if (m.value.poison) {
            poisonTries++;
            throw new Error('cannot handle this one');
          }
          handled.push(m.value.n);
        },
        { maxAttempts: 3, backoffMs: 5 },
      );
      await bus.subscribe(`${t}.dlq`, 'ops', (m) => void dlq.push(m));
      const poisonId = await bus.publish(t, { n: 0, poison: true }, { key: 'k' });
      for (let n = 1; n <= 5; n++) await bus.publish(t, { n }, { key: 'k' });
      await until(() => dlq.length === 1 && handled.length === 5, 10_000, 'dlq and the rest');
      expect(poisonTries).toBe(3);
      expect(handled).toEqual([1, 2, 3, 4, 5]);
      expect(dlq[0]!.id).toBe(poisonId);
      expect(dlq[0]!.value).toEqual({ n: 0, poison: true });
      expect(dlq[0]!.headers).toMatchObject({
        'stages-error-code': 'INTERNAL',
        'stages-error-message': 'cannot handle this one',
        'stages-original-topic': t,
        'stages-original-group': 'g',
        'stages-attempts': '3',
      });
      await bus.close();
    });

    it('rejects bad input with coded errors', async () => {
      const bus = await make();
      await expect(bus.publish('', {})).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
      await expect(bus.publish('t', () => 1)).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
      await expect(bus.subscribe(topic(), '', () => {})).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      await expect(bus.subscribe(topic(), 'g', () => {}, { maxAttempts: 0 })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
      });
      await bus.close();
    });
  });
}
