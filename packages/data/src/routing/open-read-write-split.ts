import { type DataSourceConfig, openDataSource } from '../drivers/open.js';
import { ReadWriteSplit, type ReadWriteSplitOptions } from './read-write.js';

/** A driver config without the name and role, which the split assigns (per driver type: Omit distributes). */
export type MemberConfig = DataSourceConfig extends infer C
  ? C extends unknown
    ? Omit<C, 'name' | 'role'>
    : never
  : never;

export interface OpenReadWriteSplitOptions extends Omit<ReadWriteSplitOptions, 'primary' | 'replicas'> {
  primary: MemberConfig;
  replicas: readonly MemberConfig[];
}

/**
 * Opens the primary and replicas from config and builds the split, naming them `<name>` and
 * `<name>-replica-<i>` with their roles set, so every span and metric says which server served a statement.
 */
export async function openReadWriteSplit(options: OpenReadWriteSplitOptions): Promise<ReadWriteSplit> {
  const { primary, replicas, ...rest } = options;
  const [p, ...r] = await Promise.all([
    openDataSource({ ...primary, name: options.name, role: 'primary' } as DataSourceConfig),
    ...replicas.map((replica, i) =>
      openDataSource({ ...replica, name: `${options.name}-replica-${i}`, role: 'replica' } as DataSourceConfig),
    ),
  ]);
  return new ReadWriteSplit({ ...rest, primary: p as NonNullable<typeof p>, replicas: r });
}
