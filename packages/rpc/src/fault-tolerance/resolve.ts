import { PluginResolver } from '@stages/common';
import { BroadcastMode } from './broadcast.js';
import { FailfastMode } from './failfast.js';
import { FailoverMode, type FailoverOptions } from './failover.js';
import { FailsafeMode } from './failsafe.js';
import { ForkingMode, type ForkingOptions } from './forking.js';
import type { FaultTolerance } from './mode.js';

/**
 * `'failover'` (default), `{ type: 'failover', options: { retries: 3 } }`, `'failfast'`, `'failsafe'`,
 * `{ type: 'forking', options: { forks: 3 } }`, `{ type: 'hedged', options: { hedgeDelayMs: 20 } }`, `'broadcast'`.
 */
export const faultTolerances = new PluginResolver<FaultTolerance, Record<string, unknown>>('fault tolerance')
  .register('failover', (o) => new FailoverMode(o as FailoverOptions))
  .register('failfast', () => new FailfastMode())
  .register('failsafe', () => new FailsafeMode())
  .register('forking', (o) => new ForkingMode(o as ForkingOptions, 'forking'))
  .register('hedged', (o) => new ForkingMode({ hedgeDelayMs: 20, ...(o as ForkingOptions) }, 'hedged'))
  .register('broadcast', () => new BroadcastMode());
