import type { DataSource } from '@stages/data';
import type { Domain } from '../infra/settings.js';
import { hashPassword } from '../services/user.js';

const ADJECTIVES = [
  'Oak',
  'Brass',
  'Linen',
  'Copper',
  'Walnut',
  'Ceramic',
  'Wool',
  'Glass',
  'Steel',
  'Bamboo',
  'Velvet',
  'Marble',
];
const THINGS: Record<string, string[]> = {
  lighting: ['Desk Lamp', 'Floor Lamp', 'Pendant Light', 'Lantern'],
  kitchen: ['Teapot', 'Cutting Board', 'Mug', 'Salad Bowl', 'Pepper Mill'],
  furniture: ['Stool', 'Side Table', 'Bookshelf', 'Bench'],
  textiles: ['Throw Blanket', 'Cushion', 'Rug', 'Apron'],
  office: ['Notebook', 'Pen Holder', 'Monitor Stand', 'Desk Tray'],
};
const CATEGORIES = Object.keys(THINGS);

export const SEED_USERS = [
  { id: 'u-alice', email: 'alice@example.com', name: 'Alice', password: 'alice-password' },
  { id: 'u-bob', email: 'bob@example.com', name: 'Bob', password: 'bob-password' },
  { id: 'u-carol', email: 'carol@example.com', name: 'Carol', password: 'carol-password' },
];

/** Product i, the same on every run and every machine (`p0001`...), so tests and docs can name products. */
export function seedProduct(i: number) {
  const category = CATEGORIES[i % CATEGORIES.length] as string;
  const things = THINGS[category] as string[];
  const adjective = ADJECTIVES[Math.floor(i / CATEGORIES.length) % ADJECTIVES.length] as string;
  const thing = things[Math.floor(i / (CATEGORIES.length * ADJECTIVES.length)) % things.length] as string;
  return {
    id: `p${String(i + 1).padStart(4, '0')}`,
    name: `${adjective} ${thing}`,
    description: `A ${adjective.toLowerCase()} ${thing.toLowerCase()} for the ${category} corner, number ${i + 1} of the collection.`,
    category,
    priceCents: 500 + ((i * 7919) % 20000),
  };
}

/**
 * Loads seed data into the domains this process opened. Every insert is ON CONFLICT DO NOTHING: running it on
 * every start, or from several instances at once, leaves exactly one copy and never overwrites edits.
 */
export async function seed(
  db: (domain: Domain) => DataSource,
  domains: readonly Domain[],
  products: number,
): Promise<void> {
  if (domains.includes('catalog')) {
    const ds = db('catalog');
    // From the primary: a replica may not have replayed the migration that just created the table (a replica
    // lagging by one DDL statement made stage 12 fail with "relation products does not exist").
    const [row] = await ds.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM products', [], { primary: true });
    if (Number(row?.n ?? 0) < products) {
      await ds.transaction(async (tx) => {
        for (let i = 0; i < products; i++) {
          const p = seedProduct(i);
          await tx.execute(
            'INSERT INTO products (id, name, description, category, price_cents, updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING',
            [p.id, p.name, p.description, p.category, p.priceCents, 1],
          );
        }
      });
    }
  }
  if (domains.includes('inventory')) {
    const ds = db('inventory');
    const [row] = await ds.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM stock', [], { primary: true });
    if (Number(row?.n ?? 0) < products) {
      await ds.transaction(async (tx) => {
        for (let i = 0; i < products; i++) {
          await tx.execute(
            'INSERT INTO stock (product_id, available) VALUES ($1, $2) ON CONFLICT (product_id) DO NOTHING',
            [seedProduct(i).id, 1000],
          );
        }
      });
    }
  }
  if (domains.includes('user')) {
    const ds = db('user');
    for (const u of SEED_USERS) {
      const [exists] = await ds.query('SELECT 1 AS one FROM users WHERE id = $1', [u.id], { primary: true });
      if (exists) continue;
      await ds.execute(
        'INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
        [u.id, u.email, u.name, await hashPassword(u.password), Date.now()],
      );
    }
  }
}
