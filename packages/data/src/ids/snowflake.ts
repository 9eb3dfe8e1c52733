import { StagesError } from '@stages/common';

export interface SnowflakeOptions {
  /** 0..1023; unique per running process. Take it from a WorkerIdSource when processes come and go. */
  workerId: number;
  /** Epoch of the 41-bit timestamp, ms. Default 2024-01-01T00:00:00Z (good until 2093). Never change it later. */
  epochMs?: number;
  /** A backwards clock step up to this long is waited out; a longer one fails. Default 10 ms. */
  maxBackwardsMs?: number;
  /** The clock; replaceable for tests. */
  now?: () => number;
}

export interface SnowflakeParts {
  timestampMs: number;
  workerId: number;
  sequence: number;
}

const WORKER_BITS = 10n;
const SEQUENCE_BITS = 12n;
const MAX_WORKER = (1 << Number(WORKER_BITS)) - 1;
const MAX_SEQUENCE = (1 << Number(SEQUENCE_BITS)) - 1;
export const DEFAULT_EPOCH_MS = Date.UTC(2024, 0, 1);

/**
 * 64-bit ids that sort by creation time without a round trip: 41 bits of milliseconds since the epoch,
 * 10 bits of worker id, 12 bits of sequence (4096 ids per ms per worker). Returned as bigint (exact) or
 * decimal string (for JSON): a JavaScript number would round them.
 */
export class Snowflake {
  readonly epochMs: number;
  readonly #maxBackwardsMs: number;
  readonly #now: () => number;
  #workerId: number | undefined;
  #lastMs = -1;
  #sequence = 0;

  constructor(options: SnowflakeOptions) {
    this.epochMs = options.epochMs ?? DEFAULT_EPOCH_MS;
    this.#maxBackwardsMs = options.maxBackwardsMs ?? 10;
    this.#now = options.now ?? Date.now;
    this.setWorkerId(options.workerId);
  }

  get workerId(): number | undefined {
    return this.#workerId;
  }

  /**
   * Changes the worker id (a WorkerIdSource re-acquired one after losing its session), or with undefined
   * suspends generation: ids minted while the id may belong to someone else could collide.
   */
  setWorkerId(workerId: number | undefined): void {
    if (workerId !== undefined && (!Number.isInteger(workerId) || workerId < 0 || workerId > MAX_WORKER)) {
      throw new StagesError(
        'CONFIG_INVALID',
        `snowflake workerId must be an integer 0..${MAX_WORKER}, got ${workerId}`,
      );
    }
    this.#workerId = workerId;
  }

  next(): bigint {
    if (this.#workerId === undefined) {
      throw new StagesError(
        'UNAVAILABLE',
        'id generator has no worker id (its ZooKeeper session was lost); retry shortly',
      );
    }
    let now = this.#now();
    if (now < this.#lastMs) {
      const behind = this.#lastMs - now;
      if (behind > this.#maxBackwardsMs) {
        throw new StagesError(
          'CLOCK_MOVED_BACKWARDS',
          `clock moved back ${behind} ms; refusing ids until it catches up`,
          {
            details: { behindMs: behind },
          },
        );
      }
      // A small step back (NTP slew, VM migration): wait it out rather than fail or repeat an id.
      now = this.#waitUntil(this.#lastMs);
    }
    if (now === this.#lastMs) {
      this.#sequence = (this.#sequence + 1) & MAX_SEQUENCE;
      // 4096 ids in this millisecond already: move to the next one.
      if (this.#sequence === 0) now = this.#waitUntil(this.#lastMs + 1);
    } else {
      this.#sequence = 0;
    }
    this.#lastMs = now;
    const elapsed = now - this.epochMs;
    if (elapsed < 0) throw new StagesError('CONFIG_INVALID', 'snowflake epoch is in the future');
    return (
      (BigInt(elapsed) << (WORKER_BITS + SEQUENCE_BITS)) |
      (BigInt(this.#workerId) << SEQUENCE_BITS) |
      BigInt(this.#sequence)
    );
  }

  nextString(): string {
    return this.next().toString();
  }

  parse(id: bigint | string): SnowflakeParts {
    const value = BigInt(id);
    return {
      timestampMs: Number(value >> (WORKER_BITS + SEQUENCE_BITS)) + this.epochMs,
      workerId: Number((value >> SEQUENCE_BITS) & BigInt(MAX_WORKER)),
      sequence: Number(value & BigInt(MAX_SEQUENCE)),
    };
  }

  #waitUntil(target: number): number {
    let now = this.#now();
    // Busy-wait: bounded by maxBackwardsMs (or one ms for sequence overflow), shorter than any timer tick.
    while (now < target) now = this.#now();
    return now;
  }
}
