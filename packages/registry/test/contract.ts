import { StagesError } from '@stages/common';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderInstance, Registry } from '../src/index.js';
import { ids, instance, sleep, watch } from './helpers.js';

export interface ContractFixture {
  /** The registry under test, used as a consumer. */
  readonly consumer: Registry;
  /** A second registry on the same store that providers register through; absent for read-only registries. */
  readonly writer?: Registry;
  close(): Promise<void>;
}

/**
 * What every Registry promises, run against each implementation. `make(seed)` returns registries where the
 * seed providers already exist (registered through `writer`, or configured for a static list). Tests that change
 * the list at runtime run only where there is a writer.
 */
export function registryContract(kind: string, make: (seed: ProviderInstance[]) => Promise<ContractFixture>) {
  describe(`${kind} registry contract`, () => {
    let fixture: ContractFixture | undefined;
    const open = async (seed: ProviderInstance[]) => {
      fixture = await make(seed);
      return fixture;
    };
    afterEach(async () => {
      await fixture?.close();
      fixture = undefined;
    });

    // Unique per run, so a shared ZooKeeper or store never leaks state between tests.
    const svc = (name: string) => `${kind}.${name}.${Math.random().toString(36).slice(2, 8)}`;

    it('delivers the full current list asynchronously, never inside subscribe()', async () => {
      const a = svc('A');
      const b = svc('B');
      const seed = [instance({ service: a }), instance({ service: a }), instance({ service: b })];
      const { consumer } = await open(seed);
      let returned = false;
      let calledBeforeReturn = false;
      const first = new Promise<readonly ProviderInstance[]>((resolve) => {
        const stop = consumer.subscribe(a, (update) => {
          if (!returned) calledBeforeReturn = true;
          expect(update.stale).toBe(false);
          resolve(update.providers);
          stop();
        });
        returned = true;
      });
      expect(ids(await first)).toEqual(ids(seed.slice(0, 2)));
      expect(calledBeforeReturn).toBe(false);
    });

    it('answers lookup and services from the same data, and an unknown service is an empty list', async () => {
      const a = svc('A');
      const b = svc('B');
      const seed = [instance({ service: a, zone: 'z1', tags: ['canary'] }), instance({ service: b })];
      const { consumer } = await open(seed);
      const found = await consumer.lookup(a);
      expect(ids(found)).toEqual([seed[0]!.id]);
      expect(found[0]).toMatchObject({ host: '127.0.0.1', port: seed[0]!.port, zone: 'z1', tags: ['canary'] });
      expect(await consumer.lookup(svc('nobody'))).toEqual([]);
      expect(await consumer.services()).toEqual(expect.arrayContaining([a, b]));
    });

    it('gives every subscriber the list; a listener that throws does not starve the others', async () => {
      const a = svc('A');
      const seed = [instance({ service: a })];
      const { consumer } = await open(seed);
      const stopBad = consumer.subscribe(a, () => {
        throw new Error('listener bug');
      });
      const one = watch(consumer, a);
      const two = watch(consumer, a);
      expect(ids(await one.until((u) => u.providers.length === 1))).toEqual(ids(seed));
      expect(ids(await two.until((u) => u.providers.length === 1))).toEqual(ids(seed));
      stopBad();
      one.stop();
      two.stop();
    });

    it('a late subscriber gets the current list too', async () => {
      const a = svc('A');
      const seed = [instance({ service: a })];
      const { consumer } = await open(seed);
      const early = watch(consumer, a);
      await early.until((u) => u.providers.length === 1);
      const late = watch(consumer, a);
      expect(ids(await late.until(() => true))).toEqual(ids(seed));
      early.stop();
      late.stop();
    });

    it('after close, using the registry is a FAILED_PRECONDITION', async () => {
      const { consumer } = await open([]);
      await consumer.close();
      expect(() => consumer.subscribe(svc('A'), () => {})).toThrow(StagesError);
      await expect(consumer.lookup(svc('A'))).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    });

    describe('with a writer', () => {
      it('a registration and a deregistration each reach subscribers as a full list', async (ctx) => {
        const a = svc('A');
        const first = instance({ service: a });
        const { consumer, writer } = await open([first]);
        if (!writer) return ctx.skip();
        const sub = watch(consumer, a);
        await sub.until((u) => u.providers.length === 1);
        const second = instance({ service: a });
        await writer.register(second);
        expect(ids(await sub.until((u) => u.providers.length === 2))).toEqual(ids([first, second]));
        await writer.deregister(first.id);
        expect(ids(await sub.until((u) => u.providers.length === 1))).toEqual([second.id]);
        await writer.deregister(first.id); // idempotent
        await writer.deregister('never-registered');
        sub.stop();
      });

      it('re-registering an id updates it in place', async (ctx) => {
        const a = svc('A');
        const first = instance({ service: a, weight: 100 });
        const { consumer, writer } = await open([first]);
        if (!writer) return ctx.skip();
        const sub = watch(consumer, a);
        await sub.until((u) => u.providers.length === 1);
        await writer.register({ ...first, weight: 5 });
        const update = await sub.until((u) => u.providers[0]?.weight === 5);
        expect(ids(update)).toEqual([first.id]);
        sub.stop();
      });

      it('a burst of registrations arrives as fewer updates than changes, ending with all of them', async (ctx) => {
        const a = svc('A');
        const { consumer, writer } = await open([]);
        if (!writer) return ctx.skip();
        const sub = watch(consumer, a);
        await sub.until((u) => u.providers.length === 0);
        const before = sub.updates.length;
        const burst = Array.from({ length: 20 }, () => instance({ service: a }));
        await Promise.all(burst.map((p) => writer.register(p)));
        expect(ids(await sub.until((u) => u.providers.length === 20))).toEqual(ids(burst));
        await sleep(100);
        const updates = sub.updates.slice(before);
        expect(updates.length).toBeLessThan(20);
        // Full lists only: never shrinking while only registrations happen.
        for (let i = 1; i < updates.length; i++) {
          expect(updates[i]!.providers.length).toBeGreaterThanOrEqual(updates[i - 1]!.providers.length);
        }
        sub.stop();
      });

      it('an unsubscribed listener hears nothing more', async (ctx) => {
        const a = svc('A');
        const { consumer, writer } = await open([instance({ service: a })]);
        if (!writer) return ctx.skip();
        const gone = watch(consumer, a);
        const stays = watch(consumer, a);
        await gone.until((u) => u.providers.length === 1);
        gone.stop();
        const count = gone.updates.length;
        await writer.register(instance({ service: a }));
        await stays.until((u) => u.providers.length === 2);
        expect(gone.updates.length).toBe(count);
        stays.stop();
      });

      it('rejects an invalid instance with INVALID_ARGUMENT and keeps working', async (ctx) => {
        const a = svc('A');
        const { writer } = await open([]);
        if (!writer) return ctx.skip();
        const broken = { ...instance({ service: a }), port: -1 };
        await expect(writer.register(broken)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        const ok = instance({ service: a });
        await writer.register(ok);
        expect(ids(await writer.lookup(a))).toEqual([ok.id]);
      });

      it('closing the writer takes its providers away from consumers', async (ctx) => {
        const a = svc('A');
        const { consumer, writer } = await open([instance({ service: a })]);
        if (!writer) return ctx.skip();
        const sub = watch(consumer, a);
        await sub.until((u) => u.providers.length === 1);
        await writer.close();
        await sub.until((u) => u.providers.length === 0);
        sub.stop();
      });
    });
  });
}
