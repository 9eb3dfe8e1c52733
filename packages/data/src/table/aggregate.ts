import { StagesError } from '@stages/common';
import type { Dialect, Row } from '../datasource.js';
import { quoteIdent } from '../sql/dialect.js';
import { checkColumn, compareValues, type TableSchema, toType } from './schema.js';

/** One aggregate: `{ count: '*' }`, `{ count: 'col' }`, `{ sum: 'col' }`, `{ min }`, `{ max }`, `{ avg }`. */
export type Aggregate = { count: string } | { sum: string } | { min: string } | { max: string } | { avg: string };

/** Output name -> aggregate. */
export type AggregateSpec = Record<string, Aggregate>;

/**
 * One partial result per shard, then `combine`: COUNT and SUM add up, MIN and MAX take the extreme, and AVG is
 * never averaged across shards (wrong when shards differ in size) but rebuilt as total sum / total count.
 * The single-table path goes through the same two steps, so every setup returns identical numbers.
 */
export function partialSql(
  dialect: Dialect,
  schema: TableSchema,
  spec: AggregateSpec,
  groupBy: readonly string[],
): string {
  const select: string[] = groupBy.map((column) => {
    checkColumn(schema, column);
    return quoteIdent(dialect, column);
  });
  for (const [alias, aggregate] of Object.entries(spec)) {
    const [fn, column] = entry(aggregate);
    const star = column === '*' && fn === 'count';
    if (!star) checkColumn(schema, column);
    const target = star ? '*' : quoteIdent(dialect, column);
    if (fn === 'avg') {
      select.push(`SUM(${target}) AS ${quoteIdent(dialect, `${alias}__sum`)}`);
      select.push(`COUNT(${target}) AS ${quoteIdent(dialect, `${alias}__n`)}`);
    } else {
      select.push(`${fn.toUpperCase()}(${target}) AS ${quoteIdent(dialect, alias)}`);
    }
  }
  return `SELECT ${select.join(', ')}`;
}

export function groupSql(dialect: Dialect, groupBy: readonly string[]): string {
  return groupBy.length === 0 ? '' : ` GROUP BY ${groupBy.map((c) => quoteIdent(dialect, c)).join(', ')}`;
}

export function combine(
  schema: TableSchema,
  spec: AggregateSpec,
  groupBy: readonly string[],
  partials: readonly Row[],
): Row[] {
  const groups = new Map<string, Row>();
  for (const partial of partials) {
    const keyValues = groupBy.map((c) => toType(schema.columns[c] as never, partial[c]));
    // With no GROUP BY an empty shard still returns one row (count 0, sum null): it merges like any other.
    const key = JSON.stringify(keyValues, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    let acc = groups.get(key);
    if (!acc) {
      acc = {};
      groupBy.forEach((c, i) => {
        (acc as Row)[c] = keyValues[i];
      });
      groups.set(key, acc);
    }
    for (const [alias, aggregate] of Object.entries(spec)) {
      const [fn, column] = entry(aggregate);
      if (fn === 'avg') {
        acc[`${alias}__sum`] = addNullable(acc[`${alias}__sum`], num(partial[`${alias}__sum`]));
        acc[`${alias}__n`] = ((acc[`${alias}__n`] as number | undefined) ?? 0) + (num(partial[`${alias}__n`]) ?? 0);
      } else if (fn === 'count') {
        acc[alias] = ((acc[alias] as number | undefined) ?? 0) + (num(partial[alias]) ?? 0);
      } else if (fn === 'sum') {
        acc[alias] = addNullable(acc[alias], num(partial[alias]));
      } else {
        const value =
          partial[alias] === null || partial[alias] === undefined
            ? null
            : toType(schema.columns[column] as never, partial[alias]);
        const current = acc[alias] ?? null;
        if (
          value !== null &&
          (current === null || (fn === 'min' ? compareValues(value, current) < 0 : compareValues(value, current) > 0))
        ) {
          acc[alias] = value;
        } else acc[alias] = current;
      }
    }
  }
  const rows = [...groups.values()].map((acc) => {
    for (const [alias, aggregate] of Object.entries(spec)) {
      if ('avg' in aggregate) {
        const sum = acc[`${alias}__sum`] as number | null | undefined;
        const n = acc[`${alias}__n`] as number;
        acc[alias] = n > 0 && sum !== null && sum !== undefined ? sum / n : null;
        delete acc[`${alias}__sum`];
        delete acc[`${alias}__n`];
      } else if ('sum' in aggregate && acc[alias] === undefined) acc[alias] = null;
    }
    return acc;
  });
  // Groups come back sorted by their keys, the same order whatever the shards returned.
  return rows.sort((a, b) => {
    for (const column of groupBy) {
      const order = compareValues(a[column], b[column]);
      if (order !== 0) return order;
    }
    return 0;
  });
}

function entry(aggregate: Aggregate): [fn: 'count' | 'sum' | 'min' | 'max' | 'avg', column: string] {
  const pairs = Object.entries(aggregate);
  const [fn, column] = pairs[0] ?? [];
  if (
    pairs.length !== 1 ||
    !['count', 'sum', 'min', 'max', 'avg'].includes(fn as string) ||
    typeof column !== 'string'
  ) {
    throw new StagesError(
      'INVALID_ARGUMENT',
      `an aggregate is one of { count | sum | min | max | avg: column }, got ${JSON.stringify(aggregate)}`,
    );
  }
  return [fn as never, column];
}

function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return Number(value);
}

function addNullable(acc: unknown, value: number | null): number | null {
  if (value === null) return (acc as number | null | undefined) ?? null;
  return ((acc as number | null | undefined) ?? 0) + value;
}
