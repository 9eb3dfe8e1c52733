import { StagesError } from '@stages/common';
import type { ProviderInstance } from './registry.js';

export type ParseResult = { ok: true; instance: ProviderInstance } | { ok: false; reason: string };

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/**
 * Checks a value read from outside (a znode, a snapshot file, config) field by field. Anything can be written
 * into ZooKeeper by anyone with access, so this never throws: junk gets a reason, and the caller skips it.
 * Unknown extra fields are dropped rather than rejected, so a newer provider can add fields without older
 * consumers treating it as junk.
 */
export function parseProviderInstance(value: unknown): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('not an object');
  const v = value as Record<string, unknown>;
  if (!isString(v.id) || v.id === '') return bad('id must be a non-empty string');
  if (!isString(v.service) || v.service === '') return bad('service must be a non-empty string');
  if (!isString(v.host) || v.host === '') return bad('host must be a non-empty string');
  if (typeof v.port !== 'number' || !Number.isInteger(v.port) || v.port < 0 || v.port > 65_535) {
    return bad('port must be an integer 0..65535');
  }
  if (!isString(v.protocol) || v.protocol === '') return bad('protocol must be a non-empty string');
  if (!isString(v.version)) return bad('version must be a string');
  if (!isString(v.group)) return bad('group must be a string');
  if (v.zone !== undefined && !isString(v.zone)) return bad('zone must be a string when present');
  if (typeof v.weight !== 'number' || !Number.isFinite(v.weight) || v.weight < 0) {
    return bad('weight must be a number >= 0');
  }
  if (!isStringArray(v.tags)) return bad('tags must be an array of strings');
  if (!isStringArray(v.methods)) return bad('methods must be an array of strings');
  if (typeof v.startTime !== 'number' || !Number.isFinite(v.startTime)) return bad('startTime must be a number');
  const metadata = v.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return bad('metadata must be an object of strings');
  }
  if (!Object.values(metadata).every(isString)) return bad('metadata values must be strings');
  const instance: ProviderInstance = {
    id: v.id,
    service: v.service,
    host: v.host,
    port: v.port,
    protocol: v.protocol,
    version: v.version,
    group: v.group,
    ...(v.zone === undefined ? {} : { zone: v.zone as string }),
    weight: v.weight,
    tags: [...v.tags],
    methods: [...v.methods],
    startTime: v.startTime,
    metadata: { ...(metadata as Record<string, string>) },
  };
  return { ok: true, instance };
}

/** For input handed to us by the application: junk is the caller's bug, so it fails loudly with the field named. */
export function assertProviderInstance(value: unknown): ProviderInstance {
  const result = parseProviderInstance(value);
  if (!result.ok) {
    throw new StagesError('INVALID_ARGUMENT', `invalid provider instance: ${result.reason}`, {
      details: { reason: result.reason },
    });
  }
  return result.instance;
}

/** Stable order (by id) so that two reads of the same set compare equal and balancers see a steady list. */
export function sortInstances(instances: Iterable<ProviderInstance>): ProviderInstance[] {
  return [...instances].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function bad(reason: string): ParseResult {
  return { ok: false, reason };
}
