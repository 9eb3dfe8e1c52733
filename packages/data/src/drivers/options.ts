import type { Role } from '../datasource.js';

/** What every driver accepts besides its connection settings. */
export interface CommonDriverOptions {
  /** Names the datasource in errors, spans and metrics. */
  name: string;
  /** Labels spans and metrics; a read/write split sets it for the datasources it builds. Default `standalone`. */
  role?: Role;
  /** Labels spans and metrics with the shard this datasource serves. */
  shard?: string;
  /** Client-side cap on each statement unless the call sets its own. */
  queryTimeoutMs?: number;
  /** Cap on a health probe. Default 1000 ms. */
  healthTimeoutMs?: number;
}

export const DEFAULT_HEALTH_TIMEOUT_MS = 1000;
