import { describe, expect, it } from 'vitest';
import { isReadStatement, referencedTables, toQuestionMarks } from '../src/index.js';
import { bindOrder } from '../src/sql/placeholders.js';

describe('placeholders', () => {
  it('rewrites $n to ? and repeats/reorders params, leaving literals and comments alone', () => {
    const t = toQuestionMarks(`SELECT $2, '$1 it''s', "$3", $1 -- $9\n/* $8 */ , $2`);
    expect(t.sql).toBe(`SELECT ?, '$1 it''s', "$3", ? -- $9\n/* $8 */ , ?`);
    expect(bindOrder(t.order, ['a', 'b'])).toEqual(['b', 'a', 'b']);
  });
  it('fails with INVALID_ARGUMENT when a $n has no parameter', () => {
    expect(() => bindOrder(toQuestionMarks('SELECT $3').order, [1])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('statement kind', () => {
  it.each([
    ['SELECT 1', true],
    ['  /* hint */ select * from t', true],
    ['(SELECT 1) UNION (SELECT 2)', true],
    ['WITH x AS (SELECT 1) SELECT * FROM x', true],
    ['SELECT * FROM t FOR UPDATE', false],
    ["SELECT nextval('s')", false],
    ['WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', false],
    ['INSERT INTO t VALUES (1)', false],
    ['update t set a = 1', false],
    ['SHOW server_version', true],
  ])('%s -> read %s', (sql, read) => {
    expect(isReadStatement(sql)).toBe(read);
  });
});

describe('referenced tables', () => {
  it('finds tables after FROM, JOIN, INTO, UPDATE and in FROM lists', () => {
    expect([...referencedTables('SELECT * FROM users u JOIN public."orders" o ON o.uid = u.id')].sort()).toEqual([
      'orders',
      'users',
    ]);
    expect([...referencedTables('select * from a, b as bb where x = 1')].sort()).toEqual(['a', 'b']);
    expect([...referencedTables('INSERT INTO audit (m) SELECT m FROM events')].sort()).toEqual(['audit', 'events']);
    expect([...referencedTables("UPDATE stock SET note = 'from orders'")]).toEqual(['stock']);
  });
});
