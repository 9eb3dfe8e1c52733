/** One database as the profile names it; `replicas` turns it into a read/write split (stage 5). */
export interface DbSpec {
  url: string;
  replicas?: string[];
}

/** The `shop:` section of a stage profile: where the shop's data, cache and events live at this stage. */
export interface ShopSettings {
  /** Database for every domain without its own entry (stages 1-5); `domains` splits them (stage 6). */
  data: { default: DbSpec; domains?: Partial<Record<Domain, DbSpec>> };
  /** Stage 7: orders spread over `tablesPerDatabase` tables in each of these databases. */
  orderShards?: { databases: DbSpec[]; tablesPerDatabase: number };
  /** Level 2 of the two-level cache (stage 3). Absent: in-process LRU only. */
  cache?: { redis?: string; ttlMs?: number };
  /** `in-process` (default) or `{ type: 'redis-streams', options: { url } }` (stage 10 and up). */
  bus?: 'in-process' | { type: string; options?: Record<string, unknown> };
  jwtSecret: string;
  seed: { products: number };
}

export type Domain = 'user' | 'catalog' | 'inventory' | 'order';
export const DOMAINS: readonly Domain[] = ['user', 'catalog', 'inventory', 'order'];
