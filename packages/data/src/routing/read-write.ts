import { type PluginSpec, StagesError } from '@stages/common';
import type { DataSource, Dialect, ExecuteResult, QueryOptions, Row } from '../datasource.js';
import { isReadStatement } from '../sql/statement-kind.js';
import { type ReplicaBalancer, replicaBalancers } from './balancer.js';
import { ReadYourWrites } from './read-your-writes.js';
import { ReplicaMonitor, type ReplicaStatus } from './replica-monitor.js';
import { parseLsn } from './wal-position.js';

export interface ReadWriteSplitOptions {
  name: string;
  primary: DataSource;
  replicas: readonly DataSource[];
  /** `round-robin` (default), `random`, or an instance. */
  balancer?: PluginSpec<ReplicaBalancer>;
  /** How often replicas are probed. Default 1000 ms. */
  healthIntervalMs?: number;
  /** A replica further behind than this is taken out of rotation. Default 5000 ms. */
  maxLagMs?: number;
  /** Cap on one probe; a replica that does not answer in time is taken out. Default 1000 ms. */
  healthTimeoutMs?: number;
  /**
   * After a write in a call context, where that context's reads go:
   * - `wal` (PostgreSQL default): to a replica known to have replayed past the write's WAL position, else the
   *   primary. Costs one extra round trip (`pg_current_wal_insert_lsn()`) per write in a call context.
   * - `primary` (default elsewhere): to the primary for the rest of the call.
   */
  readYourWrites?: 'wal' | 'primary';
  /**
   * Cap on a read sent to a replica (default 2000 ms). A replica that does not answer in time is taken out of
   * rotation and the read retried on the primary.
   */
  replicaTimeoutMs?: number;
}

/**
 * Stage 5: one primary, N replicas, one DataSource. Writes, transactions and hinted reads go to the primary;
 * reads go to a healthy, un-lagged replica; with none available they go to the primary, so reads degrade in
 * capacity, never in availability.
 */
export class ReadWriteSplit implements DataSource {
  readonly name: string;
  readonly dialect: Dialect;
  readonly primary: DataSource;
  readonly replicas: readonly DataSource[];
  readonly #monitor: ReplicaMonitor;
  readonly #balancer: ReplicaBalancer;
  readonly #ryw: ReadYourWrites;
  readonly #walMode: boolean;
  readonly #replicaTimeoutMs: number;

  constructor(options: ReadWriteSplitOptions) {
    this.name = options.name;
    this.primary = options.primary;
    this.replicas = options.replicas;
    this.dialect = options.primary.dialect;
    for (const replica of options.replicas) {
      if (replica.dialect !== this.dialect) {
        throw new StagesError(
          'CONFIG_INVALID',
          `read/write split "${options.name}": replica "${replica.name}" is ${replica.dialect}, primary is ${this.dialect}`,
          {
            details: { datasource: options.name },
          },
        );
      }
    }
    this.#balancer = replicaBalancers.resolve(options.balancer ?? 'round-robin');
    this.#ryw = new ReadYourWrites(options.name);
    this.#replicaTimeoutMs = options.replicaTimeoutMs ?? 2000;
    this.#walMode =
      (options.readYourWrites ?? (this.dialect === 'postgres' ? 'wal' : 'primary')) === 'wal' &&
      this.dialect === 'postgres';
    this.#monitor = new ReplicaMonitor(options.primary, options.replicas, {
      intervalMs: options.healthIntervalMs ?? 1000,
      maxLagMs: options.maxLagMs ?? 5000,
      healthTimeoutMs: options.healthTimeoutMs ?? 1000,
    });
    if (options.replicas.length > 0) {
      this.#monitor.start();
      void this.#monitor.check();
    }
  }

  /** Health and lag of each replica as last measured. */
  replicaStatus(): ReplicaStatus[] {
    return this.#monitor.status();
  }

  /** Probes the replicas now instead of waiting for the interval. */
  checkReplicas(): Promise<void> {
    return this.#monitor.check();
  }

  query<T extends object = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]> {
    // Not async: the common cases hand back the datasource's own promise, adding no frame to the hot path.
    if (options?.primary || !isReadStatement(sql)) return this.#onPrimary<T>(sql, params, options);
    const replica = this.#pickReplica();
    if (!replica) return this.primary.query<T>(sql, params, options);
    return this.#onReplica<T>(replica, sql, params, options);
  }

  async #onPrimary<T extends object>(
    sql: string,
    params: readonly unknown[] | undefined,
    options: QueryOptions | undefined,
  ): Promise<T[]> {
    // A hinted read is only a read; a statement that writes (INSERT ... RETURNING, nextval, FOR UPDATE, a writing
    // CTE) counts as a write for read-your-writes, even when it fails: it may have committed before the error.
    if (isReadStatement(sql)) return this.primary.query<T>(sql, params, options);
    try {
      return await this.primary.query<T>(sql, params, options);
    } finally {
      await this.#afterWrite();
    }
  }

  async #onReplica<T extends object>(
    replica: DataSource,
    sql: string,
    params: readonly unknown[] | undefined,
    options: QueryOptions | undefined,
  ): Promise<T[]> {
    // A hung replica (stopped process, network partition) must not hang the read: cap it, unless the caller
    // asked for less.
    const own = options?.timeoutMs;
    const capped = own !== undefined && own <= this.#replicaTimeoutMs;
    try {
      return await replica.query<T>(sql, params, capped ? options : { ...options, timeoutMs: this.#replicaTimeoutMs });
    } catch (error) {
      // A replica that cannot be reached, or did not answer within the cap, is taken out now (the next good
      // probe brings it back) and the read retried on the primary: a read is safe to repeat. A bad statement,
      // or the caller's own timeout, is the caller's to see.
      const unreachable = StagesError.is(error, 'DATASOURCE_ERROR') && error.retryable;
      const hung = StagesError.is(error, 'DEADLINE_EXCEEDED') && !capped;
      if (!unreachable && !hung) throw error;
      this.#monitor.markDown(replica, error);
      return this.primary.query<T>(sql, params, options);
    }
  }

  async execute(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<ExecuteResult> {
    try {
      return await this.primary.execute(sql, params, options);
    } finally {
      // Also after a failure: the connection may have dropped after the commit, with the write applied.
      await this.#afterWrite();
    }
  }

  async transaction<T>(fn: (tx: DataSource) => Promise<T>): Promise<T> {
    // Everything in a transaction, reads included, runs on the primary's one connection.
    try {
      return await this.primary.transaction(fn);
    } finally {
      await this.#afterWrite();
    }
  }

  async health(): Promise<void> {
    await this.primary.health();
  }

  async close(): Promise<void> {
    this.#monitor.stop();
    await Promise.all([this.primary.close(), ...this.replicas.map((r) => r.close())]);
  }

  #pickReplica(): DataSource | undefined {
    const mark = this.#ryw.lastWrite();
    if (mark) {
      if (mark.lsn === undefined) return undefined;
      const ready = this.#monitor.caughtUp(mark.lsn);
      return ready.length > 0 ? this.#balancer.pick(ready) : undefined;
    }
    const healthy = this.#monitor.healthy();
    return healthy.length > 0 ? this.#balancer.pick(healthy) : undefined;
  }

  async #afterWrite(): Promise<void> {
    if (!this.#ryw.active() || this.replicas.length === 0) return;
    if (!this.#walMode) {
      this.#ryw.markWrite({});
      return;
    }
    let lsn: bigint | undefined;
    try {
      // The insert position, not pg_current_wal_lsn() (the write position): with synchronous_commit=off the commit
      // record may still sit in WAL buffers, so the write position can precede this call's own commit and a
      // replica that reached it would not yet show the write.
      const [row] = await this.primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
      lsn = parseLsn(row?.lsn);
    } catch {
      // Without the position the safe choice is the primary for the rest of the call.
    }
    this.#ryw.markWrite(lsn === undefined ? {} : { lsn });
  }
}
