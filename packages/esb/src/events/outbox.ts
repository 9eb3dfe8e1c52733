import { StagesError } from '@stages/common';
import type { DataSource, Dialect } from '@stages/data';
import type { PublishOptions } from './event-bus.js';
import { preparePublish } from './publishing.js';

export interface OutboxOptions {
  /** Default `stages_outbox`. */
  table?: string;
}

export interface OutboxRow {
  seq: number | string;
  id: string;
  topic: string;
  msg_key: string | null;
  headers: string;
  payload: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The transactional outbox: an event is written as a row in the same transaction as the data change it
 * describes, so both commit or neither does; `OutboxRelay` publishes committed rows afterwards. No event is
 * invented (a rolled-back change leaves no row) and none is lost (a row stays until published).
 */
export class Outbox {
  readonly table: string;

  constructor(options: OutboxOptions = {}) {
    this.table = options.table ?? 'stages_outbox';
    if (!IDENT.test(this.table)) {
      throw new StagesError('CONFIG_INVALID', `Outbox table: not a plain SQL identifier: ${this.table}`, {
        details: { field: 'table' },
      });
    }
  }

  /** DDL for the outbox table; `seq` keeps insertion order, which the relay publishes in. */
  createTableSql(dialect: Dialect): string {
    const seq = {
      postgres: 'seq BIGSERIAL PRIMARY KEY',
      sqlite: 'seq INTEGER PRIMARY KEY AUTOINCREMENT',
      mysql: 'seq BIGINT AUTO_INCREMENT PRIMARY KEY',
    }[dialect];
    const text = dialect === 'mysql' ? 'LONGTEXT' : 'TEXT';
    const id = dialect === 'mysql' ? 'VARCHAR(64)' : 'TEXT';
    return `CREATE TABLE IF NOT EXISTS ${this.table} (${seq}, id ${id} NOT NULL UNIQUE, topic ${text} NOT NULL, msg_key ${text}, headers ${text} NOT NULL, payload ${text} NOT NULL, created_at BIGINT NOT NULL, sent_at BIGINT)`;
  }

  async ensureTable(ds: DataSource): Promise<void> {
    await ds.execute(this.createTableSql(ds.dialect));
  }

  /**
   * Records an event inside the caller's transaction: pass the `tx` given to `dataSource.transaction`.
   * Returns the event id, which the relay publishes it under (and under which any republish arrives again).
   */
  async add(tx: DataSource, topic: string, value: unknown, options: PublishOptions = {}): Promise<string> {
    const { id, json: payload } = preparePublish(topic, value, options, 'outbox event');
    await tx.execute(
      `INSERT INTO ${this.table} (id, topic, msg_key, headers, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, topic, options.key ?? null, JSON.stringify(options.headers ?? {}), payload, Date.now()],
    );
    return id;
  }
}
