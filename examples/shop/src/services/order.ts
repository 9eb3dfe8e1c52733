import { Reference, Rpc, Service, StagesError } from '@stages/core';
import { z } from 'zod';
import type { OrderRow } from '../infra/schema.js';
import { ShopInfra } from '../infra/shop-infra.js';
import { CatalogApi, InventoryApi, type Order, type OrderApi, type OrderLine, TOPICS } from './api.js';

const toOrder = (r: OrderRow): Order => ({
  id: r.id,
  userId: r.user_id,
  items: JSON.parse(r.items) as Order['items'],
  totalCents: Number(r.total_cents),
  status: r.status,
  createdAt: Number(r.created_at),
});

/**
 * Orders. Placing one prices the lines from catalog, reserves stock in inventory, then writes the order and
 * its `order.placed` event in one transaction (the outbox): the event is published if and only if the order
 * exists. At stage 7 the table is sharded by user, and the outbox lives in each shard's database.
 */
@Service({ name: 'order', version: '1.0.0' })
export class OrderService implements OrderApi {
  constructor(
    private readonly infra: ShopInfra,
    @Reference(CatalogApi) private readonly catalog: CatalogApi,
    @Reference(InventoryApi) private readonly inventory: InventoryApi,
  ) {}

  @Rpc({
    input: z.object({
      userId: z.string().min(1),
      items: z
        .array(z.object({ productId: z.string().min(1), quantity: z.number().int().min(1).max(100) }))
        .min(1)
        .max(50),
    }),
  })
  async placeOrder(req: { userId: string; items: OrderLine[] }): Promise<Order> {
    const items = mergeLines(req.items);
    const products = new Map(
      (await this.catalog.getProducts({ ids: items.map((l) => l.productId) })).map((p) => [p.id, p]),
    );
    const priced = items.map((line) => {
      const product = products.get(line.productId);
      if (!product) throw new StagesError('NOT_FOUND', `product ${line.productId} not found`);
      return { ...line, name: product.name, priceCents: product.priceCents };
    });
    const order: Order = {
      id: this.infra.ids.nextString(),
      userId: req.userId,
      items: priced,
      totalCents: priced.reduce((sum, l) => sum + l.priceCents * l.quantity, 0),
      status: 'placed',
      createdAt: Date.now(),
    };
    try {
      await this.inventory.reserve({ orderId: order.id, items });
      await this.infra.inOrderShard(order.userId, async (tx, orders) => {
        await orders.insert({
          id: order.id,
          user_id: order.userId,
          items: JSON.stringify(order.items),
          total_cents: order.totalCents,
          status: order.status,
          created_at: BigInt(order.createdAt),
        });
        await this.infra.outbox.add(tx, TOPICS.orderPlaced, order, { key: order.userId });
      });
    } catch (error) {
      // The order never existed: give back any stock reserved for it. Also after a failed reserve, which may have
      // committed before its answer was lost (a timeout); releasing an order id with no reservation does nothing.
      await this.inventory.release({ orderId: order.id }).catch(() => {});
      throw error;
    }
    return order;
  }

  @Rpc({ idempotent: true, input: z.object({ userId: z.string().min(1) }) })
  async listOrders(req: { userId: string }) {
    // With the shard key in the WHERE clause this reads exactly one shard.
    const rows = await this.infra.orders.find({
      where: { user_id: req.userId },
      orderBy: [['created_at', 'desc']],
      limit: 100,
    });
    return rows.map(toOrder);
  }
}

function mergeLines(lines: readonly OrderLine[]): OrderLine[] {
  const merged = new Map<string, number>();
  for (const l of lines) merged.set(l.productId, (merged.get(l.productId) ?? 0) + l.quantity);
  return [...merged].sort(([a], [b]) => a.localeCompare(b)).map(([productId, quantity]) => ({ productId, quantity }));
}
