import { flatten, isPlainObject, setPath } from './document.js';
import type { JsonSchema } from './schema/json-schema.js';

const SECRET_KEY = /(password|passwd|secret|token|credential|api[_-]?key|private[_-]?key)/i;
export const MASK = '******';

/** A key whose name says it holds a secret, whatever the schema says. */
export function isSecretKey(path: string): boolean {
  return path.split('.').some((segment) => SECRET_KEY.test(segment));
}

/** Dotted paths the schema marks `secret: true` (zod: `.meta({ secret: true })`). */
export function secretPaths(schema: JsonSchema | undefined, prefix = ''): Set<string> {
  const out = new Set<string>();
  if (!schema) return out;
  const visit = (node: unknown, at: string) => {
    if (!isPlainObject(node)) return;
    if (node.secret === true && at) out.add(at);
    for (const branch of [
      ...(Array.isArray(node.anyOf) ? node.anyOf : []),
      ...(Array.isArray(node.oneOf) ? node.oneOf : []),
    ])
      visit(branch, at);
    if (isPlainObject(node.properties))
      for (const [k, v] of Object.entries(node.properties)) visit(v, at ? `${at}.${k}` : k);
  };
  visit(schema, prefix);
  return out;
}

/** A secret is the path itself or anything under it. */
export function isSecret(path: string, marked: ReadonlySet<string>): boolean {
  if (isSecretKey(path)) return true;
  for (const p of marked) if (path === p || path.startsWith(`${p}.`)) return true;
  return false;
}

/** The value at path made safe to show: masked if secret, and an object has its secret leaves masked. */
export function maskValue(path: string, value: unknown, marked: ReadonlySet<string>): unknown {
  if (value === undefined) return value;
  if (isSecret(path, marked)) return MASK;
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, maskValue(path ? `${path}.${k}` : k, v, marked)]),
  );
}

/** A copy safe to log or print: every secret leaf replaced by the mask. */
export function maskDocument(doc: Record<string, unknown>, marked: ReadonlySet<string>): Record<string, unknown> {
  let out = doc;
  for (const [path, value] of flatten(doc))
    if (isSecret(path, marked) && value !== undefined) out = setPath(out, path, MASK);
  return out;
}
