import { isPlainObject, setPath } from '../document.js';
import { coerce, type JsonSchema, propertyNames, schemaAt } from '../schema/json-schema.js';
import type { ConfigSource, LayerState } from './source.js';

export interface EnvOptions {
  /** Variables start with `${prefix}__`; default STAGES. */
  prefix?: string;
  env?: NodeJS.ProcessEnv;
  /** The app's schema as JSON Schema: maps `POOL__MAXSIZE` onto `pool.maxSize` and gives values their types. */
  schema?: JsonSchema | undefined;
}

const norm = (s: string) => s.toLowerCase().replaceAll('_', '');

/**
 * Environment variables, the highest layer: `STAGES__DB__POOL__MAX=10` sets `db.pool.max` to the number 10.
 * A double underscore separates levels because single ones occur inside names. Each segment is matched to the
 * schema's property name ignoring case and underscores (`MAX_SIZE` finds `maxSize`); without a schema (or past
 * it) segments are lower-cased. Values are coerced to the type the schema expects there.
 */
export class EnvSource implements ConfigSource {
  readonly layer = 'env';
  readonly #prefix: string;

  constructor(private readonly options: EnvOptions = {}) {
    this.#prefix = `${options.prefix ?? 'STAGES'}__`;
  }

  async get(): Promise<LayerState> {
    let document: Record<string, unknown> = {};
    const env = this.options.env ?? process.env;
    for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
      if (raw === undefined || !name.startsWith(this.#prefix)) continue;
      const segments = name.slice(this.#prefix.length).split('__').filter(Boolean);
      if (segments.length === 0) continue;
      const path = this.#resolve(segments);
      const node = this.options.schema ? schemaAt(this.options.schema, path) : undefined;
      document = setPath(document, path, coerce(raw, node));
    }
    return { document: isPlainObject(document) ? document : {} };
  }

  #resolve(segments: string[]): string {
    const keys: string[] = [];
    let node: JsonSchema | undefined = this.options.schema;
    for (const segment of segments) {
      const match = propertyNames(node).find((p) => norm(p) === norm(segment));
      const key = match ?? segment.toLowerCase();
      keys.push(key);
      node = node ? schemaAt(node, key) : undefined;
    }
    return keys.join('.');
  }
}
