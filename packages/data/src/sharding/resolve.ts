import { PluginResolver } from '@stages/common';
import type { ShardingAlgorithm } from './algorithm.js';
import { HashModuloAlgorithm } from './hash-modulo.js';
import { ModuloAlgorithm } from './modulo.js';
import { RangeAlgorithm } from './range.js';
import { TimeMonthAlgorithm } from './time-month.js';

/** `'hash-modulo'`, `'modulo'`, `{ type: 'range', options: { boundaries } }`, `{ type: 'time-month', options: { start } }`. */
export const shardingAlgorithms = new PluginResolver<ShardingAlgorithm, Record<string, unknown>>('sharding algorithm')
  .register('hash-modulo', () => new HashModuloAlgorithm())
  .register('modulo', () => new ModuloAlgorithm())
  .register('range', (o) => new RangeAlgorithm((o?.boundaries ?? []) as (number | bigint | string)[]))
  .register('time-month', (o) => new TimeMonthAlgorithm(o?.start as string));
