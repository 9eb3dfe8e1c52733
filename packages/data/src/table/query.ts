import { StagesError } from '@stages/common';
import type { Dialect } from '../datasource.js';
import { quoteIdent } from '../sql/dialect.js';
import { checkColumn, type TableSchema } from './schema.js';

/** A comparison on one column; several keys in one condition are ANDed. */
export interface Condition {
  eq?: unknown;
  ne?: unknown;
  gt?: unknown;
  gte?: unknown;
  lt?: unknown;
  lte?: unknown;
  in?: readonly unknown[];
}

/** Column -> value (equality, `null` for IS NULL) or a Condition. All entries are ANDed. */
export type Where = Record<string, unknown>;

export type Direction = 'asc' | 'desc';
export type OrderBy = readonly (readonly [column: string, direction?: Direction])[];

export interface FindOptions {
  where?: Where;
  /** Sort keys. The primary key is always appended as the final key, so pages are stable everywhere. */
  orderBy?: OrderBy;
  limit?: number;
  offset?: number;
}

const OPERATORS: Record<string, string> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };

export function isCondition(value: unknown): value is Condition {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype &&
    Object.keys(value).every((k) => k in OPERATORS || k === 'in')
  );
}

/** `WHERE ...` with `$n` placeholders appended to params (empty string for no conditions). */
export function whereSql(dialect: Dialect, schema: TableSchema, where: Where | undefined, params: unknown[]): string {
  if (!where) return '';
  const parts: string[] = [];
  for (const [column, spec] of Object.entries(where)) {
    if (spec === undefined) continue;
    checkColumn(schema, column);
    const col = quoteIdent(dialect, column);
    const condition: Condition = isCondition(spec) ? spec : { eq: spec };
    for (const [op, value] of Object.entries(condition)) {
      if (value === undefined) continue;
      if (op === 'in') {
        const list = value as readonly unknown[];
        if (!Array.isArray(list)) throw new StagesError('INVALID_ARGUMENT', `"${column}.in" must be an array`);
        if (list.length === 0) {
          parts.push('1 = 0');
          continue;
        }
        parts.push(`${col} IN (${list.map((v) => `$${params.push(v)}`).join(', ')})`);
      } else if (value === null && (op === 'eq' || op === 'ne')) {
        parts.push(`${col} IS ${op === 'eq' ? '' : 'NOT '}NULL`);
      } else {
        parts.push(`${col} ${OPERATORS[op]} $${params.push(value)}`);
      }
    }
  }
  return parts.length === 0 ? '' : ` WHERE ${parts.join(' AND ')}`;
}

/** The sort keys with the primary key appended (once) as tie-breaker. */
export function sortKeys(schema: TableSchema, orderBy: OrderBy | undefined): [string, Direction][] {
  const keys: [string, Direction][] = (orderBy ?? []).map(([column, direction]) => {
    checkColumn(schema, column);
    if (direction !== undefined && direction !== 'asc' && direction !== 'desc') {
      throw new StagesError('INVALID_ARGUMENT', `sort direction must be asc or desc, got "${String(direction)}"`);
    }
    return [column, direction ?? 'asc'];
  });
  if (!keys.some(([column]) => column === schema.primaryKey)) keys.push([schema.primaryKey, 'asc']);
  return keys;
}

/** ORDER BY with NULLs after values ascending and before them descending, on every dialect. */
export function orderSql(dialect: Dialect, keys: readonly [string, Direction][]): string {
  const parts = keys.map(([column, direction]) => {
    const col = quoteIdent(dialect, column);
    if (dialect === 'mysql') {
      // MySQL has no NULLS FIRST/LAST: sort on "is null" first.
      return `${col} IS NULL ${direction === 'asc' ? 'ASC' : 'DESC'}, ${col} ${direction.toUpperCase()}`;
    }
    return `${col} ${direction.toUpperCase()} ${direction === 'asc' ? 'NULLS LAST' : 'NULLS FIRST'}`;
  });
  return ` ORDER BY ${parts.join(', ')}`;
}

export function checkPaging(limit: number | undefined, offset: number | undefined): void {
  for (const [field, value] of [
    ['limit', limit],
    ['offset', offset],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new StagesError('INVALID_ARGUMENT', `${field} must be a non-negative integer`, {
        details: { [field]: value },
      });
    }
  }
}
