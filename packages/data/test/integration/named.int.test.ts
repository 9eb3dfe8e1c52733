import { NamedDataSources, openSqlite } from '@stages/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Two real (embedded) databases, one per business domain.
let split: NamedDataSources;

beforeAll(async () => {
  const users = await openSqlite({ name: 'users-db' });
  const orders = await openSqlite({ name: 'orders-db' });
  await users.execute('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)');
  await orders.execute('CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total INTEGER)');
  await orders.execute('CREATE TABLE order_items (order_id INTEGER, sku TEXT)');
  split = new NamedDataSources({
    datasources: { users, orders },
    tables: { users: ['users'], orders: ['orders', 'order_items'] },
  });
});

afterAll(async () => {
  await split?.close();
});

describe('business split over named datasources', () => {
  it('sends each statement to the database owning its tables', async () => {
    await split.execute('INSERT INTO users (id, name) VALUES ($1, $2)', [1, 'ada']);
    await split.execute('INSERT INTO orders (id, user_id, total) VALUES ($1, $2, $3)', [10, 1, 500]);
    expect(await split.query('SELECT name FROM users')).toEqual([{ name: 'ada' }]);
    expect(await split.query('SELECT o.total FROM orders o JOIN order_items i ON i.order_id = o.id')).toEqual([]);
    // Read straight from each database: the rows are where the domain says.
    expect(await split.bind('orders').query('SELECT count(*) AS n FROM orders')).toEqual([{ n: 1 }]);
    expect(split.route('SELECT * FROM users')).toBe('users');
  });

  it('fails a cross-domain join with CROSS_DATASOURCE instead of querying one database', async () => {
    await expect(
      split.query('SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id'),
    ).rejects.toMatchObject({
      code: 'CROSS_DATASOURCE',
      details: { datasources: expect.arrayContaining(['users', 'orders']) },
    });
    await expect(split.execute('INSERT INTO orders (user_id) SELECT id FROM users')).rejects.toMatchObject({
      code: 'CROSS_DATASOURCE',
    });
    await expect(split.query('SELECT 1')).rejects.toMatchObject({ code: 'CROSS_DATASOURCE' });
  });

  it('confines a bound repository to its domain', async () => {
    const orders = split.bind('orders');
    expect(await orders.query('SELECT total FROM orders WHERE id = $1', [10])).toEqual([{ total: 500 }]);
    await expect(orders.query('SELECT * FROM users')).rejects.toMatchObject({ code: 'CROSS_DATASOURCE' });
    await expect(orders.transaction((tx) => tx.query('SELECT * FROM users'))).rejects.toMatchObject({
      code: 'CROSS_DATASOURCE',
    });
  });

  it('runs a transaction on the domain of its first statement, rolls back, and refuses a second domain', async () => {
    await split.transaction(async (tx) => {
      await tx.execute('INSERT INTO orders (id, user_id, total) VALUES ($1, $2, $3)', [11, 1, 700]);
      await tx.execute('INSERT INTO order_items (order_id, sku) VALUES ($1, $2)', [11, 'pen']);
    });
    expect(await split.query('SELECT count(*) AS n FROM order_items')).toEqual([{ n: 1 }]);
    await expect(
      split.transaction(async (tx) => {
        await tx.execute('INSERT INTO orders (id, user_id, total) VALUES ($1, $2, $3)', [12, 1, 900]);
        await tx.execute('UPDATE users SET name = $1', ['eve']);
      }),
    ).rejects.toMatchObject({ code: 'CROSS_DATASOURCE' });
    // The first insert was rolled back with the transaction.
    expect(await split.query('SELECT id FROM orders ORDER BY id')).toEqual([{ id: 10 }, { id: 11 }]);
    expect(await split.query('SELECT name FROM users')).toEqual([{ name: 'ada' }]);
  });

  it('refuses config where a table belongs to two domains', async () => {
    const a = await openSqlite({ name: 'a' });
    expect(() => new NamedDataSources({ datasources: { a, b: a }, tables: { a: ['t'], b: ['t'] } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    await a.close();
  });
});
