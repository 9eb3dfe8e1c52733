import { PluginResolver } from '@stages/common';
import type { BreakerFactory, BreakerOptions } from './breaker.js';
import { NoBreakerFactory } from './no-breaker.js';
import { OpossumBreakerFactory } from './opossum-breaker.js';

/** `'opossum'` (default), `{ type: 'opossum', options: { resetTimeoutMs: 2000 } }`, or `'none'`. */
export const breakerFactories = new PluginResolver<BreakerFactory, BreakerOptions>('breaker')
  .register('opossum', (o) => new OpossumBreakerFactory(o))
  .register('none', () => new NoBreakerFactory());
