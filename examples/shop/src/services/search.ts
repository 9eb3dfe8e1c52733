import { hostname } from 'node:os';
import { createLogger, Features, Reference, Rpc, Service } from '@stages/core';
import MiniSearch from 'minisearch';
import { z } from 'zod';
import { ShopInfra } from '../infra/shop-infra.js';
import { CatalogApi, type Product, type SearchApi, TOPICS } from './api.js';

const log = createLogger('shop.search');
type Doc = Pick<Product, 'id' | 'name' | 'description' | 'category' | 'priceCents' | 'updatedAt'>;

/**
 * A full-text read model (stage 10): a MiniSearch index in this process, built from catalog's export at start
 * and kept current by catalog's change events. It never reads catalog's database, so it can live anywhere and
 * answer while catalog is down; the price is that results trail an edit by one event delivery.
 */
@Service({ name: 'search', version: '1.0.0' })
export class SearchService implements SearchApi {
  readonly #index = new MiniSearch<Doc>({
    fields: ['name', 'description', 'category'],
    storeFields: ['name', 'category', 'priceCents', 'updatedAt'],
    searchOptions: { boost: { name: 3, category: 2 }, prefix: true },
  });

  constructor(
    infra: ShopInfra,
    private readonly features: Features,
    @Reference(CatalogApi) private readonly catalog: CatalogApi,
  ) {
    infra.onReady(async () => {
      // Subscribe before the catch-up read, so an edit made during it is not missed; `apply` drops stale versions.
      // Every search instance holds a whole index, so each is its own consumer group (a broadcast). `broadcast`
      // makes the group disposable: destroyed when this instance stops, swept after a crash, never piling up.
      await infra.bus.subscribe<Product>(
        TOPICS.productChanged,
        `search-${hostname()}-${process.pid}`,
        (m) => this.apply(m.value),
        { broadcast: true },
      );
      await this.#catchUp();
    });
  }

  @Rpc({
    idempotent: true,
    input: z.object({ q: z.string().max(200), limit: z.number().int().min(1).max(100).default(20) }),
  })
  async search(req: { q: string; limit?: number }) {
    const q = req.q.trim();
    if (q === '') return { hits: [] };
    // A feature toggle (stage 11): flip `features.search-fuzzy` in the config center and typo-tolerant matching
    // starts on every search instance at once, without a restart.
    const hits = this.#index
      .search(q, { fuzzy: this.features.isOn('search-fuzzy') ? 0.2 : false })
      .slice(0, req.limit ?? 20);
    return {
      hits: hits.map((h) => ({
        id: String(h.id),
        name: h.name as string,
        category: h.category as string,
        priceCents: h.priceCents as number,
        score: Math.round(h.score * 1000) / 1000,
      })),
    };
  }

  /** Upsert one product, unless the index already holds a newer version of it (events may arrive twice). */
  apply(product: Product): void {
    const held = this.#index.getStoredFields(product.id) as { updatedAt?: number } | undefined;
    if (held?.updatedAt !== undefined && held.updatedAt >= product.updatedAt) return;
    if (held) this.#index.discard(product.id);
    this.#index.add(product);
  }

  async #catchUp(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        let afterId = '';
        for (;;) {
          const page = await this.catalog.exportProducts({ afterId, limit: 500 });
          for (const product of page) this.apply(product);
          if (page.length < 500) break;
          afterId = (page.at(-1) as Product).id;
        }
        log.info({ documents: this.#index.documentCount }, 'search index built');
        return;
      } catch (error) {
        // In separate processes catalog may start after search: keep trying, serving what the index holds.
        if (attempt % 10 === 1) log.warn({ err: (error as Error).message, attempt }, 'catalog not reachable yet');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }
}
