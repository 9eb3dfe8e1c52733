import { createHash } from 'node:crypto';

/** Who sees a gray version before everyone: any instance listed, any carrying one of the tags, or a stable share. */
export interface GrayRule {
  instances?: string[];
  tags?: string[];
  /** 0-100: instances whose id hashes below this bucket. The same id always lands in the same bucket. */
  percentage?: number;
}

export interface InstanceIdentity {
  id: string;
  tags: readonly string[];
}

/** 0..99 from the instance id; sha1 so buckets spread evenly whatever the ids look like. */
export function stableBucket(id: string): number {
  return createHash('sha1').update(id).digest().readUInt32BE(0) % 100;
}

export function grayMatches(rule: GrayRule, instance: InstanceIdentity): boolean {
  if (rule.instances?.includes(instance.id)) return true;
  if (rule.tags?.some((tag) => instance.tags.includes(tag))) return true;
  return rule.percentage !== undefined && stableBucket(instance.id) < rule.percentage;
}

export function describeRule(rule: GrayRule): string {
  const parts = [
    rule.instances?.length ? `instances=${rule.instances.join(',')}` : '',
    rule.tags?.length ? `tags=${rule.tags.join(',')}` : '',
    rule.percentage !== undefined ? `percentage=${rule.percentage}` : '',
  ].filter(Boolean);
  return parts.join(' ') || 'nobody';
}
