import { StagesError } from '@stages/common';
import type { ShardingAlgorithm } from './algorithm.js';

/**
 * One shard per calendar month (UTC) from `start`: shard 0 holds `start`'s month, shard 1 the next, and so on.
 * The key may be a Date, epoch milliseconds, or an ISO string. A month outside the shards fails with
 * OUT_OF_RANGE rather than landing somewhere wrong: add the next month's table before it begins.
 * `tableSuffix(i)` gives `YYYYMM`, for naming physical tables `orders_202601`.
 */
export class TimeMonthAlgorithm implements ShardingAlgorithm {
  readonly name = 'time-month';
  readonly #startYear: number;
  readonly #startMonth: number;

  constructor(start: Date | string | number) {
    const date = toDate(start);
    this.#startYear = date.getUTCFullYear();
    this.#startMonth = date.getUTCMonth();
  }

  shardFor(value: unknown, shardCount: number): number {
    const date = toDate(value);
    const index = (date.getUTCFullYear() - this.#startYear) * 12 + (date.getUTCMonth() - this.#startMonth);
    if (index < 0 || index >= shardCount) {
      throw new StagesError(
        'OUT_OF_RANGE',
        `no shard for month ${date.toISOString().slice(0, 7)} (shards cover ${shardCount} months from ${this.tableSuffix(0)})`,
        {
          details: { month: date.toISOString().slice(0, 7) },
        },
      );
    }
    return index;
  }

  tableSuffix(index: number): string {
    const month = this.#startMonth + index;
    const year = this.#startYear + Math.floor(month / 12);
    return `${year}${String((month % 12) + 1).padStart(2, '0')}`;
  }
}

function toDate(value: unknown): Date {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'bigint'
        ? new Date(Number(value))
        : new Date(value as string | number);
  if (Number.isNaN(date.getTime()))
    throw new StagesError('INVALID_ARGUMENT', `time sharding needs a date, got ${String(value)}`);
  return date;
}
