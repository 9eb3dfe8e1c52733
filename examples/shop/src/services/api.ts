import { defineApi } from '@stages/core';

// The shop's contracts. Consumers (other services, the gateway, the CLI) depend on these tokens, never on the
// classes behind them, so a service can move to another process (stage 12) without its callers changing.

export interface Product {
  id: string;
  name: string;
  description: string;
  category: string;
  priceCents: number;
  updatedAt: number;
}
export interface OrderLine {
  productId: string;
  quantity: number;
}
export interface Order {
  id: string;
  userId: string;
  items: (OrderLine & { name: string; priceCents: number })[];
  totalCents: number;
  status: string;
  createdAt: number;
}
export interface User {
  id: string;
  email: string;
  name: string;
}

export interface CatalogApi {
  listProducts(req: {
    offset?: number;
    limit?: number;
    category?: string;
  }): Promise<{ items: Product[]; total: number }>;
  getProduct(req: { id: string }): Promise<Product>;
  getProducts(req: { ids: string[] }): Promise<Product[]>;
  updateProduct(req: { id: string; name?: string; description?: string; priceCents?: number }): Promise<Product>;
  /** Pages through every product in id order: how a read model (search) catches up. */
  exportProducts(req: { afterId?: string; limit?: number }): Promise<Product[]>;
}
export const CatalogApi = defineApi<CatalogApi>('catalog', {
  methods: {
    listProducts: { idempotent: true },
    getProduct: { idempotent: true },
    getProducts: { idempotent: true },
    exportProducts: { idempotent: true },
  },
});

export interface UserApi {
  signUp(req: { email: string; password: string; name: string }): Promise<User>;
  logIn(req: { email: string; password: string }): Promise<{ token: string; user: User }>;
  getUser(req: { id: string }): Promise<User>;
}
export const UserApi = defineApi<UserApi>('user', { methods: { getUser: { idempotent: true } } });

export interface InventoryApi {
  getStock(req: { productIds: string[] }): Promise<Record<string, number>>;
  /** All lines or none; a line short of stock fails the whole reservation with FAILED_PRECONDITION. */
  reserve(req: { orderId: string; items: OrderLine[] }): Promise<{ reserved: number }>;
  release(req: { orderId: string }): Promise<{ released: number }>;
}
// reserve/release are keyed by orderId and safe to repeat, so failover may retry them on another instance.
export const InventoryApi = defineApi<InventoryApi>('inventory', {
  methods: { getStock: { idempotent: true }, reserve: { idempotent: true }, release: { idempotent: true } },
});

export interface OrderApi {
  placeOrder(req: { userId: string; items: OrderLine[] }): Promise<Order>;
  listOrders(req: { userId: string }): Promise<Order[]>;
}
export const OrderApi = defineApi<OrderApi>('order', { methods: { listOrders: { idempotent: true } } });

export interface SearchApi {
  search(req: {
    q: string;
    limit?: number;
  }): Promise<{ hits: (Pick<Product, 'id' | 'name' | 'category' | 'priceCents'> & { score: number })[] }>;
}
export const SearchApi = defineApi<SearchApi>('search', { methods: { search: { idempotent: true } } });

/** Topics: catalog publishes product changes; order publishes placed orders through its outbox. */
export const TOPICS = { productChanged: 'catalog.product-changed', orderPlaced: 'order.placed' } as const;
