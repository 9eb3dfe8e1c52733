import { createLogger, meter } from '@stages/common';
import type { Redis } from 'ioredis';

const log = createLogger('esb.events.redis');
let disposedCounter: ReturnType<ReturnType<typeof meter>['createCounter']> | undefined;
const disposed = () =>
  (disposedCounter ??= meter('esb').createCounter('stages.events.groups_disposed', {
    description: 'broadcast consumer groups destroyed, by reason (close | sweep)',
  }));

/**
 * Destroys one broadcast group on every partition stream, atomically, and only if it is abandoned: nobody
 * heartbeat into its member set within a lease (ARGV[3]) and its last heartbeat in the topic's registry is no
 * newer than ARGV[2]. One script, so a member that starts up between the check and the destroy cannot lose its
 * group under it. `redis.pcall`: a partition stream that was never created has no group to destroy.
 * KEYS: registry, member set, streams... ARGV: group, registry cutoff (ms), member cutoff (ms).
 */
const DISPOSE = `
local seen = redis.call('zscore', KEYS[1], ARGV[1])
if seen and tonumber(seen) > tonumber(ARGV[2]) then return 0 end
redis.call('zremrangebyscore', KEYS[2], 0, ARGV[3])
if redis.call('zcard', KEYS[2]) > 0 then return 0 end
for i = 3, #KEYS do redis.pcall('xgroup', 'destroy', KEYS[i], ARGV[1]) end
redis.call('del', KEYS[2])
redis.call('zrem', KEYS[1], ARGV[1])
return 1`;

/** Where a topic's broadcast groups are, and how their keys are named: the subscription's and the bus's view. */
export interface BroadcastKeys {
  /** Sorted set: broadcast group -> its last heartbeat (epoch ms). Only groups listed here are ever destroyed. */
  registry(topic: string): string;
  members(topic: string, group: string): string;
  streams(topic: string): string[];
}

/**
 * Destroys `group` if no member of it is alive (heartbeat within `leaseMs`) and, when `idleMs` is given, its last
 * heartbeat is older than that. Resolves true when it was destroyed.
 */
export async function disposeGroup(
  client: Redis,
  keys: BroadcastKeys,
  topic: string,
  group: string,
  bounds: { leaseMs: number; idleMs?: number; reason: 'close' | 'sweep' },
): Promise<boolean> {
  const now = Date.now();
  const registryCutoff = bounds.idleMs === undefined ? Number.MAX_SAFE_INTEGER : now - bounds.idleMs;
  const streams = keys.streams(topic);
  const done = await client.eval(
    DISPOSE,
    2 + streams.length,
    keys.registry(topic),
    keys.members(topic, group),
    ...streams,
    group,
    registryCutoff,
    now - bounds.leaseMs,
  );
  if (done !== 1) return false;
  disposed().add(1, { reason: bounds.reason });
  log.info({ topic, group, reason: bounds.reason }, 'broadcast consumer group destroyed');
  return true;
}

/**
 * The TTL sweep: destroys the broadcast groups of `topic` whose every member has been silent for `idleMs` (their
 * instances died without closing). A bounded batch per call, so a subscribe never waits on a long cleanup.
 */
export async function sweepBroadcastGroups(
  client: Redis,
  keys: BroadcastKeys,
  topic: string,
  bounds: { leaseMs: number; idleMs: number; except: string },
): Promise<string[]> {
  const stale = await client.zrangebyscore(keys.registry(topic), 0, Date.now() - bounds.idleMs, 'LIMIT', 0, 100);
  const swept: string[] = [];
  for (const group of stale) {
    if (group === bounds.except) continue;
    const args = { leaseMs: bounds.leaseMs, idleMs: bounds.idleMs, reason: 'sweep' as const };
    if (await disposeGroup(client, keys, topic, group, args)) swept.push(group);
  }
  return swept;
}
