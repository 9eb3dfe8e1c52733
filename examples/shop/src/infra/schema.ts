import type { Migration, TableSchema } from '@stages/data';
import type { Domain } from './settings.js';

// Portable SQL: the same statements run on SQLite and PostgreSQL. Money is integer cents, times epoch ms.
export const MIGRATIONS: Record<Exclude<Domain, 'order'>, Migration[]> = {
  user: [
    {
      id: 'user-1',
      statements: [
        'CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL)',
      ],
    },
  ],
  catalog: [
    {
      id: 'catalog-1',
      statements: [
        'CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, category TEXT NOT NULL, price_cents INTEGER NOT NULL, updated_at BIGINT NOT NULL)',
      ],
    },
  ],
  inventory: [
    {
      id: 'inventory-1',
      statements: [
        'CREATE TABLE IF NOT EXISTS stock (product_id TEXT PRIMARY KEY, available INTEGER NOT NULL)',
        'CREATE TABLE IF NOT EXISTS reservations (order_id TEXT NOT NULL, product_id TEXT NOT NULL, quantity INTEGER NOT NULL, PRIMARY KEY (order_id, product_id))',
      ],
    },
  ],
};

/** Orders: one logical table, sharded by user at stage 7 so a user's history is read from one shard. */
export const ORDERS: TableSchema = {
  name: 'orders',
  primaryKey: 'id',
  columns: { id: 'text', user_id: 'text', items: 'text', total_cents: 'int', status: 'text', created_at: 'bigint' },
};

export const ORDER_MIGRATIONS: Migration[] = [
  {
    id: 'orders-1',
    statements: [
      'CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, items TEXT NOT NULL, total_cents INTEGER NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL)',
    ],
  },
];

export interface OrderRow {
  id: string;
  user_id: string;
  items: string;
  total_cents: number;
  status: string;
  created_at: bigint;
}
