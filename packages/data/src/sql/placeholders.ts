import { StagesError } from '@stages/common';

/** A `$n` statement rewritten for a driver that only knows anonymous `?`: which user param fills each `?`. */
export interface PositionalStatement {
  sql: string;
  /** For each `?` in order, the zero-based index of the user's parameter. */
  order: number[];
}

/**
 * Rewrites `$1`-style placeholders to `?` (SQLite, MySQL), skipping quoted strings, quoted identifiers and
 * comments, so a `'$1'` literal stays a literal. Parameters are then reordered/repeated with `bindOrder`.
 */
export function toQuestionMarks(sql: string): PositionalStatement {
  let out = '';
  const order: number[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === "'" || ch === '"' || ch === '`') {
      const end = closingQuote(sql, i, ch);
      out += sql.slice(i, end);
      i = end;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '$' && isDigit(sql.charCodeAt(i + 1))) {
      let j = i + 1;
      while (isDigit(sql.charCodeAt(j))) j++;
      order.push(Number(sql.slice(i + 1, j)) - 1);
      out += '?';
      i = j;
    } else {
      out += ch;
      i++;
    }
  }
  return { sql: out, order };
}

/** The driver's parameter array for a rewritten statement; a `$n` beyond the params given is an error. */
export function bindOrder(order: readonly number[], params: readonly unknown[]): unknown[] {
  return order.map((index) => {
    if (index < 0 || index >= params.length) {
      throw new StagesError('INVALID_ARGUMENT', `statement uses $${index + 1} but ${params.length} parameter(s) given`);
    }
    return params[index];
  });
}

function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      // A doubled quote is an escaped quote inside the literal.
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    if (sql[i] === '\\' && quote !== '"') i++;
    i++;
  }
  return sql.length;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Translations are cached per SQL text: an app has a bounded set of statements, and the scan would otherwise
 * run on every call. The cap keeps a generator of unique SQL (string-built literals) from growing memory.
 */
export class PlaceholderCache {
  readonly #cache = new Map<string, PositionalStatement>();
  constructor(readonly max = 1000) {}

  get(sql: string): PositionalStatement {
    let hit = this.#cache.get(sql);
    if (hit) return hit;
    hit = toQuestionMarks(sql);
    if (this.#cache.size >= this.max) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(sql, hit);
    return hit;
  }
}
