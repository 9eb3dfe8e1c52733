import { StagesError } from './errors/stages-error.js';

/** How a pluggable part is named in config: an instance, a registered name, or `{ type, options }`. */
export type PluginSpec<T, O = Record<string, unknown>> = T | string | { type: string; options?: O };

/**
 * One resolver per pluggable concept (balancers, registries, cache stores, ...): names map to factories,
 * unknown names fail with UNKNOWN_PLUGIN listing what is known.
 */
export class PluginResolver<T extends object, O = Record<string, unknown>> {
  readonly #factories = new Map<string, (options: O | undefined) => T>();

  constructor(readonly kind: string) {}

  register(name: string, factory: (options: O | undefined) => T): this {
    this.#factories.set(name, factory);
    return this;
  }

  names(): string[] {
    return [...this.#factories.keys()];
  }

  resolve(spec: PluginSpec<T, O>): T {
    if (typeof spec === 'string') return this.#create(spec, undefined);
    if (isTypedSpec<O>(spec)) return this.#create(spec.type, spec.options);
    return spec as T;
  }

  #create(name: string, options: O | undefined): T {
    const factory = this.#factories.get(name);
    if (!factory) {
      throw new StagesError('UNKNOWN_PLUGIN', `unknown ${this.kind} "${name}"; known: ${this.names().join(', ')}`, {
        details: { kind: this.kind, name },
      });
    }
    return factory(options);
  }
}

function isTypedSpec<O>(spec: unknown): spec is { type: string; options?: O } {
  // A spec is a plain object with `type` and at most `options`; anything else (a class instance, an object
  // literal implementing the interface that happens to have a `type` field) is used as it is.
  if (typeof spec !== 'object' || spec === null || Object.getPrototypeOf(spec) !== Object.prototype) return false;
  return (
    typeof (spec as { type?: unknown }).type === 'string' &&
    Object.keys(spec).every((k) => k === 'type' || k === 'options')
  );
}
