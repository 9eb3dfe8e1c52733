import { Snowflake, type SnowflakeOptions } from './snowflake.js';
import type { WorkerIdSource } from './worker-id.js';

/**
 * A snowflake generator whose worker id comes from a source (ZooKeeper, or static config) and follows it:
 * generation pauses while the id is lost and resumes with the new one.
 */
export async function createIdGenerator(
  source: WorkerIdSource,
  options: Omit<SnowflakeOptions, 'workerId'> = {},
): Promise<Snowflake> {
  const workerId = await source.acquire();
  const generator = new Snowflake({ ...options, workerId });
  source.onChange?.((id) => generator.setWorkerId(id));
  return generator;
}
