import { createLogger, StagesError } from '@stages/common';
import type * as z from 'zod';
import { type ConfigDocument, deepMerge, getPath, hasPath, jsonEqual } from './document.js';
import { countChange, countRejection } from './metrics.js';
import { isSecret, maskValue } from './secrets.js';
import type { SnapshotFile } from './snapshot.js';
import type { ConfigSource, LayerState } from './sources/source.js';

/** Where a value came from, for `config.explain(path)`. Secret values are masked here: explain output gets logged. */
export interface Explanation {
  path: string;
  value: unknown;
  /** The highest layer holding the path; `schema-default` when only the schema's default supplies it. */
  layer: string | undefined;
  version?: number | undefined;
  gray?: boolean | undefined;
  secret: boolean;
  /** Every layer that sets the path, lowest first: what the winner overrode. */
  layers: { layer: string; value: unknown; version?: number | undefined }[];
}

export interface Rejection {
  layer: string;
  version?: number | undefined;
  /** `path: message` lines; never values, which may be secrets. */
  issues: string[];
}

export type ChangeListener = (value: unknown, previous: unknown) => void;

const log = createLogger('config');

export interface Layer {
  source: ConfigSource;
  state: LayerState;
}

/**
 * The merged, validated configuration of one application, live. Layers are merged lowest to highest, then the
 * schema parses the result (defaults filled, types checked). A change to a layer is applied only if the new merge
 * still parses: otherwise the instance keeps its last good value, logs the issues and counts a rejection.
 * Listeners run synchronously, in registration order, once per accepted change, so they see changes in order.
 */
export class LayeredConfig<T = ConfigDocument> {
  #layers: Layer[];
  #value: T;
  readonly #listeners: { path: string; fn: ChangeListener }[] = [];
  readonly #rejectedListeners = new Set<(r: Rejection) => void>();
  readonly #unwatch: (() => void)[] = [];
  #changes = 0;
  #rejections = 0;

  /** Built by `createConfig`; use that. */
  constructor(
    layers: Layer[],
    private readonly schema: z.ZodType | undefined,
    private readonly secrets: ReadonlySet<string>,
    private readonly snapshot: SnapshotFile | undefined,
    private readonly onClose: () => void | Promise<void> = () => {},
  ) {
    this.#layers = layers;
    this.#value = parseOrThrow(schema, layers);
    layers.forEach((layer, index) => {
      const off = layer.source.watch?.((state) => this.#apply(index, state));
      if (off) this.#unwatch.push(off);
    });
  }

  /** The whole typed value (no path), or the value at a dotted path. */
  get<V = unknown>(path?: string): V {
    return (path ? getPath(this.#value, path) : this.#value) as V;
  }

  has(path: string): boolean {
    return hasPath(this.#value, path);
  }

  /** A feature toggle: `features.<name>` as a boolean. Core's feature flags read these. */
  feature(name: string, fallback = false): boolean {
    const value = getPath(this.#value, `features.${name}`);
    return typeof value === 'boolean' ? value : fallback;
  }

  explain(path: string): Explanation {
    const secret = isSecret(path, this.secrets);
    const layers = this.#layers
      .filter((l) => hasPath(l.state.document, path))
      .map((l) => ({
        layer: l.source.layer,
        value: maskValue(path, getPath(l.state.document, path), this.secrets),
        version: l.state.version,
      }));
    const top = [...this.#layers].reverse().find((l) => hasPath(l.state.document, path));
    return {
      path,
      value: maskValue(path, this.get(path), this.secrets),
      layer: top?.source.layer ?? (this.has(path) ? 'schema-default' : undefined),
      version: top?.state.version,
      gray: top?.state.gray,
      secret,
      layers,
    };
  }

  /** Calls fn(new, old) after each accepted change that alters the value at path ('' = any change). */
  onChange(path: string, fn: ChangeListener): () => void {
    const entry = { path, fn };
    this.#listeners.push(entry);
    return () => {
      const i = this.#listeners.indexOf(entry);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  onRejected(fn: (rejection: Rejection) => void): () => void {
    this.#rejectedListeners.add(fn);
    return () => this.#rejectedListeners.delete(fn);
  }

  /** What each layer holds now (version and gray flag for central ones) and how many changes were accepted/rejected. */
  status() {
    return {
      layers: this.#layers.map((l) => ({ layer: l.source.layer, version: l.state.version, gray: l.state.gray })),
      changes: this.#changes,
      rejections: this.#rejections,
    };
  }

  async close(): Promise<void> {
    for (const off of this.#unwatch.splice(0)) off();
    for (const layer of this.#layers) await layer.source.close?.();
    await this.onClose();
  }

  #apply(index: number, state: LayerState): void {
    const layer = this.#layers[index];
    if (!layer) return;
    const candidate = this.#layers.map((l, i) => (i === index ? { ...l, state } : l));
    const parsed = parse(this.schema, candidate);
    if (!parsed.ok) {
      this.#rejections++;
      countRejection(layer.source.layer);
      const rejection: Rejection = { layer: layer.source.layer, version: state.version, issues: parsed.issues };
      log.error(rejection, 'config change rejected by the schema; keeping the last good value');
      for (const fn of this.#rejectedListeners) fn(rejection);
      return;
    }
    const previous = this.#value;
    this.#layers = candidate;
    this.#value = parsed.value as T;
    this.#changes++;
    countChange(layer.source.layer);
    log.info({ layer: layer.source.layer, version: state.version, gray: state.gray }, 'config changed');
    if (layer.source.central) void this.snapshot?.write(centralStates(this.#layers));
    for (const { path, fn } of [...this.#listeners]) {
      const before = path ? getPath(previous, path) : previous;
      const after = path ? getPath(this.#value, path) : this.#value;
      if (jsonEqual(before, after)) continue;
      try {
        fn(after, before);
      } catch (error) {
        log.error({ path, err: (error as Error).message }, 'config change listener threw');
      }
    }
  }
}

export function centralStates(layers: readonly Layer[]): Record<string, LayerState> {
  return Object.fromEntries(layers.filter((l) => l.source.central).map((l) => [l.source.layer, l.state]));
}

export function merge(layers: readonly { state: LayerState }[]): ConfigDocument {
  return layers.reduce<ConfigDocument>((acc, l) => deepMerge(acc, l.state.document), {});
}

export function parse(schema: z.ZodType | undefined, layers: readonly { state: LayerState }[]) {
  const merged = merge(layers);
  if (!schema) return { ok: true as const, value: merged as unknown };
  const result = schema.safeParse(merged);
  if (result.success) return { ok: true as const, value: result.data };
  return {
    ok: false as const,
    issues: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
  };
}

function parseOrThrow<T>(schema: z.ZodType | undefined, layers: readonly { state: LayerState }[]): T {
  const result = parse(schema, layers);
  if (!result.ok)
    throw new StagesError('CONFIG_INVALID', `configuration is invalid: ${result.issues.join('; ')}`, {
      details: { issues: result.issues },
    });
  return result.value as T;
}
