import { describe, expect, it } from 'vitest';
import { nameProblem } from '../src/index.js';

describe('nameProblem', () => {
  it.each(['orders', 'order-history', 'a', 'svc2', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(nameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['Orders', /upper-case/],
    ['@acme/orders', /scoped/],
    ['2fa', /start with a letter/],
    ['-x', /start with a letter/],
    ['orders-', /must not end/],
    ['order_history', /only a-z/],
    ['order.history', /only a-z/],
    ['a'.repeat(64), /at most 63/],
    ['http', /core module/],
  ])('refuses %j', (name, reason) => {
    expect(nameProblem(name)).toMatch(reason);
  });
});
