import * as z from 'zod';
import { isPlainObject, splitPath } from '../document.js';

/** A JSON Schema node, as far as this package reads one. */
export type JsonSchema = Record<string, unknown>;

/**
 * The app's zod schema as JSON Schema. It is what gets registered in ZooKeeper so the CLI, which cannot load the
 * app's code, still knows the keys, their types and which ones are secret (`.meta({ secret: true })` survives the
 * conversion). Input mode: a key with a default is optional, as it is in a layer.
 */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** True when the node describes an object whose keys are fixed: an unknown key there is a typo, not data. */
function isClosedObject(node: JsonSchema): boolean {
  return (
    isPlainObject(node.properties) && (node.additionalProperties === undefined || node.additionalProperties === false)
  );
}

/**
 * The schema node for a dotted path. `undefined` means the key does not exist (a closed object lacks it);
 * `{}` means anything goes there (open object, record, or a type JSON Schema could not express).
 */
export function schemaAt(root: JsonSchema, path: string): JsonSchema | undefined {
  let node: JsonSchema = root;
  for (const key of splitPath(path)) {
    const props = isPlainObject(node.properties) ? node.properties : undefined;
    const own = props?.[key];
    if (isPlainObject(own)) {
      node = own;
      continue;
    }
    if (isPlainObject(node.additionalProperties)) {
      node = node.additionalProperties;
      continue;
    }
    if (isClosedObject(node)) return undefined;
    return {};
  }
  return node;
}

/** Property names of an object node, for case-insensitive matching of environment variables. */
export function propertyNames(node: JsonSchema | undefined): string[] {
  return node && isPlainObject(node.properties) ? Object.keys(node.properties) : [];
}

/**
 * A zod validator for ONE layer, built from the registered JSON Schema: every key optional (a layer is a
 * partial document; the app's defaults fill the rest), unknown keys of fixed objects rejected.
 */
export function layerValidator(root: JsonSchema): z.ZodType {
  return z.fromJSONSchema(relax(root) as Parameters<typeof z.fromJSONSchema>[0]);
}

function relax(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(relax);
  if (!isPlainObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'required' || key === 'default' || key === 'secret') continue;
    out[key] =
      key === 'properties' && isPlainObject(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, relax(v)]))
        : relax(value);
  }
  if (isClosedObject(node)) out.additionalProperties = false;
  return out;
}

/** The JSON types a node allows, from `type` or from `anyOf`/`oneOf` branches (zod's optional/nullable). */
export function typesOf(node: JsonSchema | undefined): string[] {
  if (!node) return [];
  if (typeof node.type === 'string') return [node.type];
  if (Array.isArray(node.type)) return node.type.filter((t): t is string => typeof t === 'string');
  const branches = [...(Array.isArray(node.anyOf) ? node.anyOf : []), ...(Array.isArray(node.oneOf) ? node.oneOf : [])];
  return branches.flatMap((b) => (isPlainObject(b) ? typesOf(b) : []));
}

/**
 * A string from the environment or the command line, turned into the type the schema wants there: `10` is a
 * number where the schema says integer, but stays the string "10" where it says string.
 */
export function coerce(raw: string, node: JsonSchema | undefined): unknown {
  const types = typesOf(node);
  if (types.includes('string') && !types.some((t) => t !== 'string' && t !== 'null')) return raw;
  if ((types.includes('integer') || types.includes('number')) && raw.trim() !== '' && Number.isFinite(Number(raw)))
    return Number(raw);
  if (types.includes('boolean') && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  if (types.includes('boolean') && /^(1|0|yes|no|on|off)$/i.test(raw)) return /^(1|yes|on)$/i.test(raw);
  if (types.includes('array') && !raw.trim().startsWith('['))
    return raw === '' ? [] : raw.split(',').map((s) => s.trim());
  if (types.includes('null') && raw === 'null') return null;
  if (types.length === 0 || types.includes('array') || types.includes('object')) {
    // No schema (or a structured value): JSON if it parses, else the plain string.
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}
