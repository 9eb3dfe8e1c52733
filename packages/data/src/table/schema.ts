import { StagesError } from '@stages/common';
import type { Row } from '../datasource.js';

/**
 * Column types as JavaScript sees them. Drivers return different shapes for the same SQL type (pg gives
 * numeric as a string, SQLite gives booleans as 0/1); a table normalises every row to these, so repository code
 * and its tests see the same values on SQLite, PostgreSQL, MySQL and a sharded setup.
 */
export type ColumnType = 'int' | 'bigint' | 'float' | 'text' | 'bool';

export interface TableSchema {
  /** The logical table name. */
  name: string;
  primaryKey: string;
  columns: Record<string, ColumnType>;
}

export function normalizeRow<R>(schema: TableSchema, row: Row): R {
  const out: Row = {};
  for (const [column, type] of Object.entries(schema.columns)) {
    if (column in row) out[column] = toType(type, row[column]);
  }
  return out as R;
}

export function toType(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'int':
    case 'float':
      return typeof value === 'number' ? value : Number(value);
    case 'bigint':
      return typeof value === 'bigint' ? value : BigInt(typeof value === 'number' ? Math.trunc(value) : String(value));
    case 'text':
      return typeof value === 'string' ? value : String(value);
    case 'bool':
      return value === true || value === 1 || value === 1n || value === '1' || value === 't' || value === 'true';
  }
}

/** Refuses a column the schema does not declare: names reach SQL, so only declared ones may. */
export function checkColumn(schema: TableSchema, column: string): ColumnType {
  const type = schema.columns[column];
  if (!type) {
    throw new StagesError('INVALID_ARGUMENT', `table "${schema.name}" has no column "${column}"`, {
      details: { table: schema.name, column },
    });
  }
  return type;
}

/**
 * Orders two values as the databases do with the ORDER BY the table generates: numbers numerically, text by
 * code unit (PostgreSQL's C collation and SQLite's BINARY agree on ASCII), and NULL after every value.
 */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}
