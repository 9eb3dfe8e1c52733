import { Rpc, Service, StagesError } from '@stages/core';
import { z } from 'zod';
import { ShopInfra } from '../infra/shop-infra.js';
import { type CatalogApi, type Product, TOPICS } from './api.js';

interface ProductRow {
  id: string;
  name: string;
  description: string;
  category: string;
  price_cents: number | string;
  updated_at: number | string;
}

const toProduct = (r: ProductRow): Product => ({
  id: r.id,
  name: r.name,
  description: r.description,
  category: r.category,
  priceCents: Number(r.price_cents),
  updatedAt: Number(r.updated_at),
});

/**
 * Products, read through the two-level cache (stage 3: L1 in process, L2 in Redis when configured). An edit
 * writes the database, invalidates the product's key on every instance, and publishes a change event that the
 * search read model follows.
 */
@Service({ name: 'catalog', version: '1.0.0' })
export class CatalogService implements CatalogApi {
  readonly #products;
  readonly #pages;

  constructor(private readonly infra: ShopInfra) {
    this.#products = infra.cache.namespace('product');
    // Listing pages are cached briefly and dropped wholesale (a version bump) when any product changes.
    this.#pages = infra.cache.namespace('product-pages');
  }

  @Rpc({
    idempotent: true,
    input: z.object({
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(100).default(24),
      category: z.string().optional(),
    }),
  })
  async listProducts(req: { offset?: number; limit?: number; category?: string }) {
    const { offset = 0, limit = 24, category } = req;
    const page = await this.#pages.getOrLoad(
      `${category ?? '*'}:${offset}:${limit}`,
      async () => {
        const where = category ? ' WHERE category = $3' : '';
        const params: unknown[] = category ? [limit, offset, category] : [limit, offset];
        const rows = await this.#db.query<ProductRow>(
          `SELECT * FROM products${where} ORDER BY id LIMIT $1 OFFSET $2`,
          params,
        );
        const [count] = await this.#db.query<{ n: number | string }>(
          `SELECT COUNT(*) AS n FROM products${category ? ' WHERE category = $1' : ''}`,
          category ? [category] : [],
        );
        return { items: rows.map(toProduct), total: Number(count?.n ?? 0) };
      },
      { ttlMs: 5_000 },
    );
    return page ?? { items: [], total: 0 };
  }

  @Rpc({ idempotent: true, input: z.object({ id: z.string().min(1) }) })
  async getProduct(req: { id: string }) {
    const product = await this.#products.getOrLoad(req.id, () => this.#load(req.id));
    if (!product) throw new StagesError('NOT_FOUND', `product ${req.id} not found`, { details: { id: req.id } });
    return product;
  }

  @Rpc({ idempotent: true, input: z.object({ ids: z.array(z.string().min(1)).max(100) }) })
  async getProducts(req: { ids: string[] }) {
    const found = await Promise.all(req.ids.map((id) => this.#products.getOrLoad(id, () => this.#load(id))));
    return found.filter((p): p is Product => p !== undefined);
  }

  @Rpc({
    input: z.object({
      id: z.string().min(1),
      name: z.string().min(1).max(200).optional(),
      description: z.string().max(2000).optional(),
      priceCents: z.number().int().min(0).optional(),
    }),
  })
  async updateProduct(req: { id: string; name?: string; description?: string; priceCents?: number }) {
    const current = await this.#load(req.id, true);
    if (!current) throw new StagesError('NOT_FOUND', `product ${req.id} not found`, { details: { id: req.id } });
    const next: Product = {
      ...current,
      ...(req.name === undefined ? {} : { name: req.name }),
      ...(req.description === undefined ? {} : { description: req.description }),
      ...(req.priceCents === undefined ? {} : { priceCents: req.priceCents }),
      // Strictly increasing per product, so a read model can drop an event older than what it holds.
      updatedAt: Math.max(Date.now(), current.updatedAt + 1),
    };
    await this.#db.execute(
      'UPDATE products SET name = $1, description = $2, price_cents = $3, updated_at = $4 WHERE id = $5',
      [next.name, next.description, next.priceCents, next.updatedAt, next.id],
    );
    // Database first, then the cache: a reader between the two sees the old value for a moment, never keeps it.
    await this.#products.invalidate(next.id);
    await this.#pages.bumpVersion();
    await this.infra.bus.publish(TOPICS.productChanged, next, { key: next.id });
    return next;
  }

  @Rpc({
    idempotent: true,
    input: z.object({ afterId: z.string().default(''), limit: z.number().int().min(1).max(1000).default(500) }),
  })
  async exportProducts(req: { afterId?: string; limit?: number }) {
    const rows = await this.#db.query<ProductRow>('SELECT * FROM products WHERE id > $1 ORDER BY id LIMIT $2', [
      req.afterId ?? '',
      req.limit ?? 500,
    ]);
    return rows.map(toProduct);
  }

  get #db() {
    return this.infra.db('catalog');
  }

  async #load(id: string, primary = false): Promise<Product | undefined> {
    const [row] = await this.#db.query<ProductRow>('SELECT * FROM products WHERE id = $1', [id], { primary });
    return row ? toProduct(row) : undefined;
  }
}
