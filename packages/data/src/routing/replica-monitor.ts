import { createLogger } from '@stages/common';
import type { DataSource } from '../datasource.js';
import { parseLsn } from './wal-position.js';

export interface ReplicaStatus {
  name: string;
  healthy: boolean;
  /** How far behind the primary, in ms; undefined when not measured (not PostgreSQL, or unreachable). */
  lagMs?: number;
  /** Last WAL position the replica replayed (PostgreSQL), as text. */
  replayLsn?: string;
  error?: string;
}

export interface ReplicaMonitorOptions {
  intervalMs: number;
  maxLagMs: number;
  healthTimeoutMs: number;
}

interface Entry {
  ds: DataSource;
  healthy: boolean;
  lagMs?: number;
  replayLsn?: bigint;
  error?: string;
}

const log = createLogger('data.replicas');

/**
 * Keeps the list of replicas fit to serve reads: reachable, and (on PostgreSQL) not lagging past maxLagMs.
 *
 * Lag is measured from WAL positions rather than `now() - pg_last_xact_replay_timestamp()`, which grows while
 * the primary is idle and would eject a fully caught-up replica. Each round samples the primary's
 * `pg_current_wal_lsn()`; a replica's lag is the age of the oldest sample it has not yet replayed (zero when it
 * has replayed them all). The estimate is accurate to one interval.
 */
export class ReplicaMonitor {
  readonly #entries: Entry[];
  readonly #samples: { lsn: bigint; at: number }[] = [];
  #healthy: DataSource[];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    readonly primary: DataSource,
    replicas: readonly DataSource[],
    readonly options: ReplicaMonitorOptions,
  ) {
    // Replicas start in rotation: the first round (run at start) takes out any that are not fit.
    this.#entries = replicas.map((ds) => ({ ds, healthy: true }));
    this.#healthy = [...replicas];
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The replicas that may serve reads now. Same array until something changes: cheap on the read path. */
  healthy(): readonly DataSource[] {
    return this.#healthy;
  }

  /** Healthy replicas known to have replayed at least `lsn`. */
  caughtUp(lsn: bigint): DataSource[] {
    return this.#entries.filter((e) => e.healthy && e.replayLsn !== undefined && e.replayLsn >= lsn).map((e) => e.ds);
  }

  status(): ReplicaStatus[] {
    return this.#entries.map((e) => {
      const s: ReplicaStatus = { name: e.ds.name, healthy: e.healthy };
      if (e.lagMs !== undefined) s.lagMs = e.lagMs;
      if (e.replayLsn !== undefined) s.replayLsn = formatLsn(e.replayLsn);
      if (e.error !== undefined) s.error = e.error;
      return s;
    });
  }

  /** Takes a replica out at once (a read on it just failed); the next good round brings it back. */
  markDown(ds: DataSource, error: unknown): void {
    const entry = this.#entries.find((e) => e.ds === ds);
    if (!entry?.healthy) return;
    this.#set(entry, false, error instanceof Error ? error.message : String(error));
  }

  /** One round of probes; concurrent callers share it. */
  check(): Promise<void> {
    this.#running ??= this.#round().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #round(): Promise<void> {
    const postgres = this.primary.dialect === 'postgres';
    const now = Date.now();
    if (postgres) {
      try {
        const [row] = await this.primary.query<{ lsn: string | null }>('SELECT pg_current_wal_lsn()::text AS lsn', [], {
          timeoutMs: this.options.healthTimeoutMs,
        });
        const lsn = parseLsn(row?.lsn);
        const last = this.#samples.at(-1);
        if (lsn !== undefined && (!last || lsn > last.lsn)) this.#samples.push({ lsn, at: now });
      } catch {
        // Primary unreachable: lag cannot be measured this round; replicas are judged on health alone.
      }
    }
    await Promise.all(this.#entries.map((entry) => this.#probe(entry, postgres)));
    this.#prune();
  }

  async #probe(entry: Entry, postgres: boolean): Promise<void> {
    try {
      if (!postgres) {
        await entry.ds.health();
        entry.lagMs = undefined;
        this.#set(entry, true);
        return;
      }
      const [row] = await entry.ds.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn', [], {
        timeoutMs: this.options.healthTimeoutMs,
      });
      const replayed = parseLsn(row?.lsn);
      entry.replayLsn = replayed;
      const behind = replayed === undefined ? undefined : this.#samples.find((s) => s.lsn > replayed);
      entry.lagMs = behind ? Date.now() - behind.at : 0;
      const fit = entry.lagMs <= this.options.maxLagMs;
      this.#set(entry, fit, fit ? undefined : `lagging ${entry.lagMs} ms (max ${this.options.maxLagMs})`);
    } catch (error) {
      entry.lagMs = undefined;
      this.#set(entry, false, error instanceof Error ? error.message : String(error));
    }
  }

  #set(entry: Entry, healthy: boolean, error?: string): void {
    if (error === undefined) delete entry.error;
    else entry.error = error;
    if (entry.healthy === healthy) return;
    entry.healthy = healthy;
    this.#healthy = this.#entries.filter((e) => e.healthy).map((e) => e.ds);
    if (healthy) log.info({ replica: entry.ds.name }, 'replica back in rotation');
    else log.warn({ replica: entry.ds.name, reason: error }, 'replica taken out of rotation');
  }

  #prune(): void {
    // Samples every replica has replayed can no longer make anyone lag; keep at least the newest.
    const positions = this.#entries.map((e) => e.replayLsn);
    if (positions.some((p) => p === undefined)) {
      if (this.#samples.length > 10_000) this.#samples.splice(0, this.#samples.length - 10_000);
      return;
    }
    const slowest = positions.reduce((a, b) => ((a as bigint) < (b as bigint) ? a : b)) as bigint;
    while (this.#samples.length > 1 && (this.#samples[0] as { lsn: bigint }).lsn <= slowest) this.#samples.shift();
  }
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
