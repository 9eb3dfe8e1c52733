/** A configuration document: a tree of plain objects whose leaves are JSON values. */
export type ConfigDocument = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

export function splitPath(path: string): string[] {
  return path === '' ? [] : path.split('.');
}

/** The value at a dotted path, or undefined. */
export function getPath(doc: unknown, path: string): unknown {
  let node: unknown = doc;
  for (const key of splitPath(path)) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

export function hasPath(doc: unknown, path: string): boolean {
  let node: unknown = doc;
  for (const key of splitPath(path)) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return false;
    node = node[key];
  }
  return true;
}

/** A copy of doc with value set at path, creating objects on the way. */
export function setPath(doc: ConfigDocument, path: string, value: unknown): ConfigDocument {
  const keys = splitPath(path);
  const out = structuredClone(doc);
  let node: Record<string, unknown> = out;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) {
      node[key] = value;
      return;
    }
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
  return out;
}

/**
 * Later wins, objects merge key by key, arrays and scalars replace whole: a list from a higher layer is a
 * decision, not something to splice into the lower one (Spring and Nacos behave the same way).
 */
export function deepMerge(base: ConfigDocument, over: ConfigDocument): ConfigDocument {
  const out: ConfigDocument = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

/** Leaves as dotted keys, in document order: `{ db: { pool: { max: 1 } } }` -> `[['db.pool.max', 1]]`. */
export function flatten(doc: unknown, prefix = ''): [string, unknown][] {
  if (!isPlainObject(doc)) return prefix ? [[prefix, doc]] : [];
  const entries = Object.entries(doc);
  if (entries.length === 0 && prefix) return [[prefix, {}]];
  return entries.flatMap(([key, value]) => flatten(value, prefix ? `${prefix}.${key}` : key));
}

/** Deep structural equality for JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}
