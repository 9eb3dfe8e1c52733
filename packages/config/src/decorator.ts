import { StagesError } from '@stages/common';
import type { LayeredConfig } from './config.js';

export interface ConfigProperty {
  property: string | symbol;
  path: string;
}

// Symbol.for: a second copy of this package in the process still finds the metadata and the bound config.
const kProperties = Symbol.for('stages.config.properties');
const kBound = Symbol.for('stages.config.bound');
let fallback: LayeredConfig<unknown> | undefined;

/**
 * `@Config('db.pool.max') poolMax!: number` — the property always reads the live value, so a central change is
 * seen on the next read with no restart and no re-injection. The decorator records metadata (for core's scanner)
 * and installs a getter; it never imports core. The getter reads the config bound to the object
 * (`bindConfig`), else the process-wide one (`setGlobalConfig`).
 */
export function Config(path: string): PropertyDecorator {
  return (prototype, property) => {
    const ctor = prototype.constructor as { [kProperties]?: ConfigProperty[] };
    const own = Object.hasOwn(ctor, kProperties) ? (ctor[kProperties] ?? []) : [...(ctor[kProperties] ?? [])];
    own.push({ property, path });
    Object.defineProperty(ctor, kProperties, { value: own, configurable: true });
    Object.defineProperty(prototype, property, {
      configurable: true,
      enumerable: true,
      get(this: { [kBound]?: LayeredConfig<unknown> }) {
        const config = this[kBound] ?? fallback;
        if (!config)
          throw new StagesError(
            'CONFIG_MISSING',
            `@Config('${path}') read before any config was bound (bindConfig or setGlobalConfig)`,
          );
        return config.get(path);
      },
      set() {
        throw new StagesError('FAILED_PRECONDITION', `@Config('${path}') is read-only: change it in the config store`);
      },
    });
  };
}

/** The `@Config` properties a class declares (inherited ones included). */
export function configProperties(target: abstract new (...args: never[]) => unknown): readonly ConfigProperty[] {
  return (target as { [kProperties]?: ConfigProperty[] })[kProperties] ?? [];
}

export function bindConfig<T extends object>(instance: T, config: LayeredConfig<unknown>): T {
  Object.defineProperty(instance, kBound, { value: config, configurable: true });
  return instance;
}

export function setGlobalConfig(config: LayeredConfig<unknown> | undefined): void {
  fallback = config;
}
