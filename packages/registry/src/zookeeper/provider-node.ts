import { parseProviderInstance, sortInstances } from '../instance.js';
import { zk, zkCode } from '../internal/zk-client.js';
import type { ProviderInstance } from '../registry.js';
import type { NodeWriter } from './node-writer.js';
import { decodeSegment } from './paths.js';
import type { ZkSession } from './session.js';

export type NodeReading = { ok: true; instance: ProviderInstance } | { ok: false; reason: string };

/**
 * Reads one provider znode. Besides the fields, the node must sit where it claims to: a record for service B under
 * A's providers, or whose id does not match its node name, is junk too (it would be a provider nobody can
 * deregister, or a spoofed entry).
 */
export function readProviderNode(data: Buffer | undefined, nodeName: string, service: string): NodeReading {
  if (!data || data.length === 0) return { ok: false, reason: 'empty node' };
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const result = parseProviderInstance(value);
  if (!result.ok) return result;
  if (result.instance.service !== service) {
    return { ok: false, reason: `service "${result.instance.service}" under "${service}"` };
  }
  if (result.instance.id !== decodeSegment(nodeName)) return { ok: false, reason: 'id does not match the node name' };
  return result;
}

/** One unwatched read of a service's providers (for lookup()); junk is reported and skipped. */
export async function readProviders(
  session: ZkSession,
  nodes: NodeWriter,
  dir: string,
  service: string,
  onJunk: () => void,
): Promise<ProviderInstance[]> {
  const names = await nodes.children(dir);
  const found = await Promise.all(
    names.map(async (name) => {
      try {
        const { data } = await session.getData(`${dir}/${name}`);
        const reading = readProviderNode(data, name, service);
        if (reading.ok) return [reading.instance];
        onJunk();
        return [];
      } catch (error) {
        if (zkCode(error) === zk().Exception.NO_NODE) return []; // deleted between list and read
        throw error;
      }
    }),
  );
  return sortInstances(found.flat());
}
