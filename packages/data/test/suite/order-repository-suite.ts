import { Snowflake, type Table } from '@stages/data';
import { describe, expect, it } from 'vitest';
import { ORDER_MIGRATIONS, type Order, OrderRepository } from '../fixtures/order-repository.js';

/**
 * One behaviour suite for the order repository, run unchanged on every setup (SQLite, one PostgreSQL, the
 * sharded setup). `open` gives a fresh, empty orders table for the setup.
 */
export function orderRepositorySuite(setup: string, open: () => Promise<Table<Order>>): void {
  describe(`order repository on ${setup}`, () => {
    it('places, reads, pays, pages, aggregates and cancels orders', async () => {
      const table = await open();
      await table.migrate(ORDER_MIGRATIONS);
      await table.migrate(ORDER_MIGRATIONS); // applied once: the second run is a no-op
      const repo = new OrderRepository(table, new Snowflake({ workerId: 3 }));

      const placed: Order[] = [];
      for (let i = 0; i < 60; i++)
        placed.push(await repo.place(i % 5, 100 + ((i * 37) % 23) * 10, 1_700_000_000_000 + i * 1000));
      expect(await repo.count()).toBe(60);

      const sample = placed[17] as Order;
      expect(await repo.get(sample.id)).toEqual(sample);
      expect(await repo.get(123n)).toBeUndefined();

      expect(await repo.pay(sample.id)).toBe(true);
      expect((await repo.get(sample.id))?.status).toBe('paid');
      expect(await repo.pay(999n)).toBe(false);

      // History pages: newest first, no overlap, nothing missing.
      const mine = placed.filter((o) => o.user_id === 2).sort((a, b) => b.created_at - a.created_at);
      const pages = [
        ...(await repo.history(2, 0, 5)),
        ...(await repo.history(2, 1, 5)),
        ...(await repo.history(2, 2, 5)),
      ];
      expect(pages.map((o) => o.id)).toEqual(mine.map((o) => o.id));

      // Ties in amount are broken by id everywhere, so the expected order is fully determined.
      const expected = placed
        .filter((o) => o.amount_cents >= 200)
        .sort((a, b) => b.amount_cents - a.amount_cents || (a.id < b.id ? -1 : 1))
        .slice(4, 14)
        .map((o) => o.id);
      expect((await repo.biggest(200, 10, 4)).map((o) => o.id)).toEqual(expected);

      const revenue = await repo.revenueByStatus();
      const paid = placed.filter((o) => o.id === sample.id);
      const fresh = placed.filter((o) => o.id !== sample.id);
      const sum = (list: Order[]) => list.reduce((s, o) => s + o.amount_cents, 0);
      expect(revenue).toEqual([
        {
          status: 'new',
          orders: fresh.length,
          total: sum(fresh),
          average: sum(fresh) / fresh.length,
          smallest: Math.min(...fresh.map((o) => o.amount_cents)),
          largest: Math.max(...fresh.map((o) => o.amount_cents)),
        },
        {
          status: 'paid',
          orders: 1,
          total: sum(paid),
          average: sum(paid),
          smallest: sample.amount_cents,
          largest: sample.amount_cents,
        },
      ]);

      expect(await repo.cancel(sample.id)).toBe(true);
      expect(await repo.get(sample.id)).toBeUndefined();
      expect(await repo.count()).toBe(59);
    });
  });
}
