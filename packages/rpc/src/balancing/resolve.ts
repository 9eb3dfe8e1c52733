import { PluginResolver } from '@stages/common';
import type { Balancer } from './balancer.js';
import { ConsistentHashBalancer, type ConsistentHashOptions } from './consistent-hash.js';
import { LatencyAwareBalancer, type LatencyAwareOptions } from './latency-aware.js';
import { LeastActiveBalancer, type LeastActiveOptions } from './least-active.js';
import { RoundRobinBalancer, type RoundRobinOptions } from './round-robin.js';
import { WeightedRandomBalancer, type WeightedRandomOptions } from './weighted-random.js';

/**
 * Balancer names usable in config: `'round-robin'`, `{ type: 'consistent-hash', options: { virtualNodes: 320 } }`.
 * A balancer keeps per-client state (cursors, in-flight counts), so every resolve creates a fresh instance.
 * Register your own with `balancers.register('mine', (options) => new MyBalancer(options))`.
 */
export const balancers = new PluginResolver<Balancer, Record<string, unknown>>('balancer')
  .register('random', (o) => new WeightedRandomBalancer(o as WeightedRandomOptions))
  .register('round-robin', (o) => new RoundRobinBalancer(o as RoundRobinOptions))
  .register('least-active', (o) => new LeastActiveBalancer(o as LeastActiveOptions))
  .register('consistent-hash', (o) => new ConsistentHashBalancer(o as ConsistentHashOptions))
  .register('latency-aware', (o) => new LatencyAwareBalancer(o as LatencyAwareOptions));
