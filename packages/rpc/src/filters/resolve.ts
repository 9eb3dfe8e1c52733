import { PluginResolver } from '@stages/common';
import { BreakerFilter, type BreakerView } from './breaker.js';
import type { ProviderFilter } from './filter.js';
import { GroupFilter } from './group.js';
import { TagFilter } from './tags.js';
import { VersionFilter } from './version.js';
import { ZoneFilter } from './zone.js';

/**
 * Filter names usable in config: `{ type: 'version', options: { range: '^2' } }`, `'tags'`,
 * `{ type: 'zone', options: { zone: 'eu-1' } }`. ServiceClient builds its own chain from its options; this
 * resolver is for custom chains and for registering your own routing rules.
 */
export const filters = new PluginResolver<ProviderFilter, Record<string, unknown>>('filter')
  .register('version', (o) => new VersionFilter(o?.range as string | undefined))
  .register('group', (o) => new GroupFilter(o?.group as string | undefined))
  .register('tags', () => new TagFilter())
  .register('zone', (o) => new ZoneFilter(o?.zone as string | undefined))
  .register('breaker', (o) => new BreakerFilter(o?.breakers as BreakerView));
