import { isApiToken } from '../api-token.js';
import type { Wiring } from '../app/wiring.js';
import type { StagesConfig } from '../config/schema.js';
import type { ReferenceMetadata } from '../decorators/metadata.js';
import { SERVICE_KEY, type ServiceOptions } from '../decorators/metadata.js';
import { BasicClient } from './basic-client.js';
import type { ReferenceClient, ReferenceSpec } from './reference-client.js';

/** Token defaults, then the decorator's options, then `references.<service>` in config: ops have the last word. */
export function referenceSpec(ref: ReferenceMetadata, config: StagesConfig): ReferenceSpec {
  let service: string;
  let defaults: { version?: string; group?: string } = {};
  if (isApiToken(ref.target)) {
    service = ref.target.service;
    defaults = {
      ...(ref.target.version === undefined ? {} : { version: ref.target.version }),
      ...(ref.target.group === undefined ? {} : { group: ref.target.group }),
    };
  } else {
    const meta = Reflect.getOwnMetadata(SERVICE_KEY, ref.target) as ServiceOptions | undefined;
    if (!meta)
      throw new TypeError(
        `@Reference target ${String((ref.target as { name?: string }).name)} is neither an API token nor a @Service class`,
      );
    service = meta.name;
    defaults = { ...(meta.group === undefined ? {} : { group: meta.group }) };
  }
  const { version, group, tags, balancer, faultTolerance, timeoutMs, ...extra } = config.references[service] ?? {};
  const merged = {
    ...defaults,
    ...ref.options,
    ...definedOnly({ version, group, tags, balancer, faultTolerance, timeoutMs }),
  };
  return { ...merged, service, extra } as ReferenceSpec;
}

export function createReferenceClient(spec: ReferenceSpec, wiring: Wiring, _config: StagesConfig): ReferenceClient {
  return new BasicClient(spec, wiring.registry, wiring.clientTransports);
}

function definedOnly(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}
