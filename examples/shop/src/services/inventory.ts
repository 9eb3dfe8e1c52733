import { Rpc, Service, StagesError } from '@stages/core';
import { z } from 'zod';
import { ShopInfra } from '../infra/shop-infra.js';
import type { InventoryApi, OrderLine } from './api.js';

const lines = z
  .array(z.object({ productId: z.string().min(1), quantity: z.number().int().min(1).max(10_000) }))
  .min(1)
  .max(50);

/** Stock and reservations. A reservation is keyed by order id, so repeating it (a retry, a failover) is harmless. */
@Service({ name: 'inventory', version: '1.0.0' })
export class InventoryService implements InventoryApi {
  constructor(private readonly infra: ShopInfra) {}

  @Rpc({ idempotent: true, input: z.object({ productIds: z.array(z.string()).max(100) }) })
  async getStock(req: { productIds: string[] }) {
    const stock: Record<string, number> = {};
    if (req.productIds.length === 0) return stock;
    const marks = req.productIds.map((_, i) => `$${i + 1}`).join(', ');
    const rows = await this.#db.query<{ product_id: string; available: number | string }>(
      `SELECT product_id, available FROM stock WHERE product_id IN (${marks})`,
      req.productIds,
    );
    for (const row of rows) stock[row.product_id] = Number(row.available);
    return stock;
  }

  @Rpc({ idempotent: true, input: z.object({ orderId: z.string().min(1), items: lines }) })
  async reserve(req: { orderId: string; items: OrderLine[] }) {
    return this.#db.transaction(async (tx) => {
      const [done] = await tx.query('SELECT 1 AS one FROM reservations WHERE order_id = $1 LIMIT 1', [req.orderId]);
      if (done) return { reserved: 0 };
      for (const line of req.items) {
        // The guard in the WHERE clause makes check-and-decrement one atomic statement: no oversell under load.
        const { rowCount } = await tx.execute(
          'UPDATE stock SET available = available - $1 WHERE product_id = $2 AND available >= $1',
          [line.quantity, line.productId],
        );
        if (rowCount === 0) {
          throw new StagesError('FAILED_PRECONDITION', `not enough stock for ${line.productId}`, {
            details: { productId: line.productId, reason: 'OUT_OF_STOCK' },
          });
        }
        await tx.execute('INSERT INTO reservations (order_id, product_id, quantity) VALUES ($1, $2, $3)', [
          req.orderId,
          line.productId,
          line.quantity,
        ]);
      }
      return { reserved: req.items.length };
    });
  }

  @Rpc({ idempotent: true, input: z.object({ orderId: z.string().min(1) }) })
  async release(req: { orderId: string }) {
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<{ product_id: string; quantity: number | string }>(
        'SELECT product_id, quantity FROM reservations WHERE order_id = $1',
        [req.orderId],
      );
      for (const row of rows) {
        await tx.execute('UPDATE stock SET available = available + $1 WHERE product_id = $2', [
          Number(row.quantity),
          row.product_id,
        ]);
      }
      await tx.execute('DELETE FROM reservations WHERE order_id = $1', [req.orderId]);
      return { released: rows.length };
    });
  }

  get #db() {
    return this.infra.db('inventory');
  }
}
