import { readFile } from 'node:fs/promises';
import { StagesError } from '@stages/common';
import { parse as parseYaml } from 'yaml';
import {
  type ConfigDocument,
  deepMerge,
  flatten,
  getPath,
  hasPath,
  isPlainObject,
  jsonEqual,
  setPath,
} from '../document.js';
import { describeRule, type GrayRule } from '../gray.js';
import { coerce, type JsonSchema, layerValidator, schemaAt } from '../schema/json-schema.js';
import { maskValue, secretPaths } from '../secrets.js';
import type { VersionRecord } from '../store/version.js';
import { scopeLabel } from '../zookeeper/paths.js';
import { type CliContext, meta } from './context.js';
import { renderTable } from './output.js';

async function schemaOf(ctx: CliContext): Promise<JsonSchema | undefined> {
  return ctx.scope.app ? ctx.store.schema(ctx.scope.namespace, ctx.scope.app) : undefined;
}

function checkKey(schema: JsonSchema | undefined, key: string, ctx: CliContext): void {
  if (schema && schemaAt(schema, key) === undefined)
    throw new StagesError(
      'NOT_FOUND',
      `unknown key "${key}": not in the schema registered for ${ctx.scope.namespace}/${ctx.scope.app}`,
      {
        details: { key },
      },
    );
}

/** One layer checked against the registered schema, every key optional: the app's defaults fill the rest. */
function validate(schema: JsonSchema | undefined, document: ConfigDocument): void {
  if (!schema) return;
  const result = layerValidator(schema).safeParse(document);
  if (result.success) return;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new StagesError('CONFIG_INVALID', `invalid value: ${issues.join('; ')}`, { details: { issues } });
}

async function readDocument(file: string): Promise<ConfigDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new StagesError('NOT_FOUND', `cannot read ${file}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text) ?? {};
  } catch (cause) {
    throw new StagesError('CONFIG_INVALID', `${file} is not valid YAML or JSON`, { cause });
  }
  if (!isPlainObject(parsed)) throw new StagesError('CONFIG_INVALID', `${file} must hold a mapping at the top`);
  return parsed;
}

function printPublished(ctx: CliContext, record: VersionRecord, what = 'published'): void {
  if (ctx.options.json)
    ctx.out(JSON.stringify({ scope: scopeLabel(ctx.scope), version: record.version, kind: record.kind }));
  else ctx.out(`${what} ${scopeLabel(ctx.scope)} v${record.version}`);
}

/** `get [key]`: the central value (shared < app < profile) and the layer it comes from. */
export async function getAction(ctx: CliContext, key: string | undefined): Promise<void> {
  const schema = await schemaOf(ctx);
  const secrets = secretPaths(schema);
  const { namespace, app, profile } = ctx.scope;
  const scopes = [
    { layer: 'shared', scope: { namespace } },
    ...(app ? [{ layer: 'app', scope: { namespace, app } }] : []),
    ...(app && profile ? [{ layer: 'profile', scope: { namespace, app, profile } }] : []),
  ];
  const layers = await Promise.all(
    scopes.map(async (s) => ({ layer: s.layer, record: await ctx.store.current(s.scope) })),
  );
  if (key === undefined) {
    const merged = layers.reduce<ConfigDocument>((acc, l) => deepMerge(acc, l.record?.document ?? {}), {});
    const rows = flatten(merged).map(([path, value]) => {
      const from = [...layers].reverse().find((l) => hasPath(l.record?.document, path));
      return [path, maskValue(path, value, secrets), from?.layer, from?.record ? `v${from.record.version}` : ''];
    });
    if (ctx.options.json)
      ctx.out(JSON.stringify(rows.map(([k, value, layer, version]) => ({ key: k, value, layer, version }))));
    else ctx.out(renderTable(['KEY', 'VALUE', 'LAYER', 'VERSION'], rows));
    return;
  }
  checkKey(schema, key, ctx);
  const from = [...layers].reverse().find((l) => hasPath(l.record?.document, key));
  if (!from?.record)
    throw new StagesError('NOT_FOUND', `"${key}" is not set in ${scopeLabel(ctx.scope)}`, { details: { key } });
  const value = maskValue(key, getPath(from.record.document, key), secrets);
  if (ctx.options.json) ctx.out(JSON.stringify({ key, value, layer: from.layer, version: from.record.version }));
  else
    ctx.out(renderTable(['KEY', 'VALUE', 'LAYER', 'VERSION'], [[key, value, from.layer, `v${from.record.version}`]]));
}

/** `set <key> <value>`: the scope's current document with one key changed, published as a new version. */
export async function setAction(ctx: CliContext, key: string, raw: string): Promise<void> {
  const schema = await schemaOf(ctx);
  checkKey(schema, key, ctx);
  const current = await ctx.store.current(ctx.scope);
  const document = setPath(current?.document ?? {}, key, coerce(raw, schema ? schemaAt(schema, key) : undefined));
  validate(schema, document);
  printPublished(ctx, await ctx.store.publish(ctx.scope, document, meta(ctx.options, `set ${key}`)));
}

export async function publishAction(ctx: CliContext, file: string): Promise<void> {
  const document = await readDocument(file);
  validate(await schemaOf(ctx), document);
  printPublished(ctx, await ctx.store.publish(ctx.scope, document, meta(ctx.options, `publish ${file}`)));
}

export async function historyAction(ctx: CliContext, limit: number): Promise<void> {
  const [records, current, gray] = await Promise.all([
    ctx.store.history(ctx.scope, limit),
    ctx.store.current(ctx.scope),
    ctx.store.gray(ctx.scope),
  ]);
  const state = (r: VersionRecord) =>
    r.version === current?.version
      ? 'current'
      : r.version === gray?.version
        ? `gray (${describeRule(gray.gray ?? {})})`
        : '';
  if (ctx.options.json) {
    ctx.out(JSON.stringify(records.map(({ document: _, ...r }) => ({ ...r, state: state(r as VersionRecord) }))));
    return;
  }
  const rows = records.map((r) => [
    `v${r.version}`,
    r.kind === 'rollback' ? `rollback(v${r.from})` : r.kind,
    r.author,
    r.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    r.message,
    state(r),
  ]);
  ctx.out(renderTable(['VERSION', 'KIND', 'AUTHOR', 'TIME', 'MESSAGE', 'STATE'], rows));
}

export async function rollbackAction(ctx: CliContext, version: number): Promise<void> {
  const old = await ctx.store.version(ctx.scope, version);
  // The schema may have moved on since that version: re-check rather than restore something instances reject.
  validate(await schemaOf(ctx), old.document);
  printPublished(
    ctx,
    await ctx.store.rollback(ctx.scope, version, meta(ctx.options, `rollback to v${version}`)),
    'rolled back:',
  );
}

export async function diffAction(ctx: CliContext, v1: number, v2: number): Promise<void> {
  const [a, b, schema] = await Promise.all([
    ctx.store.version(ctx.scope, v1),
    ctx.store.version(ctx.scope, v2),
    schemaOf(ctx),
  ]);
  const secrets = secretPaths(schema);
  const left = new Map(flatten(a.document));
  const right = new Map(flatten(b.document));
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort();
  const rows = keys.flatMap((k) => {
    const [l, r] = [left.get(k), right.get(k)];
    if (left.has(k) && right.has(k) && jsonEqual(l, r)) return [];
    const change = !left.has(k) ? 'added' : !right.has(k) ? 'removed' : 'changed';
    return [[k, maskValue(k, l, secrets), maskValue(k, r, secrets), change]];
  });
  if (ctx.options.json) ctx.out(JSON.stringify(rows.map(([key, from, to, change]) => ({ key, from, to, change }))));
  else
    ctx.out(rows.length ? renderTable(['KEY', `v${v1}`, `v${v2}`, 'CHANGE'], rows) : `v${v1} and v${v2} are the same`);
}

export async function grayAction(ctx: CliContext, file: string, rule: GrayRule): Promise<void> {
  const document = await readDocument(file);
  validate(await schemaOf(ctx), document);
  printPublished(
    ctx,
    await ctx.store.publishGray(ctx.scope, document, rule, meta(ctx.options, `gray ${file}`)),
    `gray (${describeRule(rule)}):`,
  );
}

export async function promoteAction(ctx: CliContext): Promise<void> {
  printPublished(ctx, await ctx.store.promote(ctx.scope), 'promoted:');
}

export async function abandonAction(ctx: CliContext): Promise<void> {
  await ctx.store.abandon(ctx.scope);
  ctx.out(
    ctx.options.json
      ? JSON.stringify({ scope: scopeLabel(ctx.scope), abandoned: true })
      : `gray release abandoned in ${scopeLabel(ctx.scope)}`,
  );
}

/** `schema [file]`: print the JSON Schema registered for the app, or register one (a deploy step). */
export async function schemaAction(ctx: CliContext, file: string | undefined): Promise<void> {
  const { namespace, app } = ctx.scope;
  if (!app) throw new StagesError('INVALID_ARGUMENT', 'a schema belongs to an application: give --app');
  if (file === undefined) {
    const schema = await ctx.store.schema(namespace, app);
    if (!schema) throw new StagesError('NOT_FOUND', `no schema registered for ${namespace}/${app}`);
    ctx.out(JSON.stringify(schema, null, ctx.options.json ? undefined : 2));
    return;
  }
  const schema = await readDocument(file);
  await ctx.store.registerSchema(namespace, app, schema);
  ctx.out(
    ctx.options.json
      ? JSON.stringify({ namespace, app, registered: true })
      : `schema registered for ${namespace}/${app}`,
  );
}
