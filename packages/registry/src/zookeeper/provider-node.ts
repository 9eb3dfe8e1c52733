import { parseProviderInstance } from '../instance.js';
import type { ProviderInstance } from '../registry.js';
import { decodeSegment } from './paths.js';

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
