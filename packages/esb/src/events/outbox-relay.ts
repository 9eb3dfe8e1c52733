import { createLogger, meter, StagesError } from '@stages/common';
import type { DataSource } from '@stages/data';
import type { EventBus } from './event-bus.js';
import type { Outbox, OutboxRow } from './outbox.js';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  bus: Pick<EventBus, 'publish'>;
  outbox: Outbox;
  /** Rows per transaction. Default 100. */
  batchSize?: number;
  /** Poll interval of `start()`. Default 500 ms. */
  intervalMs?: number;
}

const log = createLogger('esb.outbox');

/**
 * Publishes committed outbox rows, oldest first, and marks them sent in the same transaction that locked them.
 *
 * A relay that dies after publishing but before its commit leaves the rows unsent: the next run publishes them
 * again under the same event id (at-least-once; consumers dedupe by `message.id`). Rows are locked with
 * `FOR UPDATE` (PostgreSQL, MySQL; SQLite has one writer anyway), so two relays side by side take turns rather
 * than publish the same row twice, and publish order stays the insertion order.
 */
export class OutboxRelay {
  readonly #o: Required<Omit<OutboxRelayOptions, 'bus'>> & Pick<OutboxRelayOptions, 'bus'>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #stopped = false;

  constructor(options: OutboxRelayOptions) {
    this.#o = { batchSize: 100, intervalMs: 500, ...options };
    for (const field of ['batchSize', 'intervalMs'] as const) {
      if (!Number.isInteger(this.#o[field]) || this.#o[field] < 1) {
        throw new StagesError('CONFIG_INVALID', `OutboxRelay ${field}: expected an integer >= 1`, {
          details: { field },
        });
      }
    }
  }

  /** Publishes one batch; resolves with how many rows were published. */
  runOnce(): Promise<number> {
    const { dataSource, outbox, batchSize, bus } = this.#o;
    const lock = dataSource.dialect === 'sqlite' ? '' : ' FOR UPDATE';
    return dataSource.transaction(async (tx) => {
      const rows = await tx.query<OutboxRow>(
        `SELECT seq, id, topic, msg_key, headers, payload FROM ${outbox.table} WHERE sent_at IS NULL ORDER BY seq LIMIT $1${lock}`,
        [batchSize],
      );
      for (const row of rows) {
        await bus.publish(row.topic, JSON.parse(row.payload), {
          id: row.id,
          headers: JSON.parse(row.headers) as Record<string, string>,
          ...(row.msg_key === null ? {} : { key: row.msg_key }),
        });
        await tx.execute(`UPDATE ${outbox.table} SET sent_at = $1 WHERE seq = $2`, [Date.now(), row.seq]);
      }
      if (rows.length > 0) relayed().add(rows.length);
      return rows.length;
    });
  }

  /** Polls until `stop()`; a full batch runs the next one at once. Failures are logged and retried. */
  start(): void {
    this.#stopped = false;
    const tick = async () => {
      if (this.#stopped) return;
      let n = 0;
      try {
        this.#running = this.runOnce();
        n = await this.#running;
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'outbox relay run failed; retrying');
      }
      if (!this.#stopped) this.#timer = setTimeout(tick, n >= this.#o.batchSize ? 0 : this.#o.intervalMs);
    };
    void tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => 0);
  }
}

let counter: ReturnType<ReturnType<typeof meter>['createCounter']> | undefined;
const relayed = () =>
  (counter ??= meter('esb').createCounter('stages.outbox.relayed', { description: 'outbox rows published' }));
