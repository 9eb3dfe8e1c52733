import type { ServiceClass } from '@stages/core';
import type { Domain } from '../infra/settings.js';
import { CatalogApi, InventoryApi, OrderApi, SearchApi, UserApi } from './api.js';
import { CatalogService } from './catalog.js';
import { InventoryService } from './inventory.js';
import { OrderService } from './order.js';
import { SearchService } from './search.js';
import { UserService } from './user.js';

/** Every shop service by name, with the database domain it owns (search owns none: its index is in memory). */
export const SHOP_SERVICES: Record<string, { cls: ServiceClass; domain?: Domain }> = {
  user: { cls: UserService, domain: 'user' },
  catalog: { cls: CatalogService, domain: 'catalog' },
  inventory: { cls: InventoryService, domain: 'inventory' },
  order: { cls: OrderService, domain: 'order' },
  search: { cls: SearchService },
};

/** The APIs the gateway routes to. */
export const SHOP_APIS = [UserApi, CatalogApi, InventoryApi, OrderApi, SearchApi] as const;
