import { readFile } from 'node:fs/promises';
import { createLogger, StagesError } from '@stages/common';
import { type CentralOptions, createConfig, type LayeredConfig } from '@stages/config';
import { parse as parseYaml } from 'yaml';
import { type StagesConfig, type StagesConfigInput, StagesConfigSchema } from './schema.js';

const log = createLogger('core.config');

/** A config already built with @stages/config's createConfig (for custom layers). */
export type ConfigHandle = Pick<LayeredConfig<StagesConfig>, 'get' | 'onChange' | 'close'>;

/**
 * The app's view of its configuration, layered by @stages/config: defaults (the object given) or the YAML file,
 * then the central layers in ZooKeeper when `configCenter` is set, then `STAGES__*` environment variables.
 * Central changes (feature flags, bulkhead sizes) arrive without a restart; one that fails validation is refused
 * and the last good config stays.
 */
export class AppConfig {
  readonly #layered: ConfigHandle;
  readonly #owned: boolean;

  private constructor(layered: ConfigHandle, owned: boolean) {
    this.#layered = layered;
    this.#owned = owned;
  }

  static async load(source: string | StagesConfigInput | ConfigHandle | undefined): Promise<AppConfig> {
    if (isHandle(source)) return new AppConfig(source, false);
    const local = typeof source === 'string' ? await readYaml(source) : (source ?? {});
    const central = centralOptions(local, typeof source === 'string' ? source : 'options.config');
    const layered = await createConfig({
      schema: StagesConfigSchema,
      ...(typeof source === 'string' ? { file: { path: source, required: true } } : { defaults: local as never }),
      ...(central ? { central } : {}),
    });
    return new AppConfig(layered as ConfigHandle, true);
  }

  current(): StagesConfig {
    return this.#layered.get<StagesConfig>();
  }

  /** Called after every accepted change with the whole new and previous config. */
  onChange(listener: (next: StagesConfig, previous: StagesConfig) => void): () => void {
    return this.#layered.onChange('', (next, previous) => {
      try {
        listener(next as StagesConfig, previous as StagesConfig);
      } catch (error) {
        log.error({ err: error }, 'config listener failed');
      }
    });
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#layered.close();
  }
}

function isHandle(value: unknown): value is ConfigHandle {
  const v = value as Partial<ConfigHandle> | undefined;
  return typeof v?.get === 'function' && typeof v.onChange === 'function' && typeof v.close === 'function';
}

/** `configCenter` is read from the local layer before anything else: it says where the other layers are. */
function centralOptions(local: unknown, where: string): CentralOptions | undefined {
  const parsed = StagesConfigSchema.shape.configCenter.safeParse((local as { configCenter?: unknown })?.configCenter);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StagesError('CONFIG_INVALID', `${where}: configCenter.${issue?.path.join('.') ?? ''}: ${issue?.message}`);
  }
  const c = parsed.data;
  if (c === undefined) return undefined;
  return {
    zookeeper: c.zookeeper,
    namespace: c.namespace,
    ...(c.app === undefined ? {} : { app: c.app }),
    ...(c.profile === undefined ? {} : { profile: c.profile }),
    ...(c.required === undefined ? {} : { required: c.required }),
    ...(c.snapshotPath === undefined ? {} : { snapshotPath: c.snapshotPath }),
    ...(c.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: c.connectTimeoutMs }),
  };
}

async function readYaml(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StagesError('CONFIG_MISSING', `cannot read config file ${path}`, { cause: error, details: { path } });
  }
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    throw new StagesError('CONFIG_INVALID', `${path}: not valid YAML`, { cause: error, details: { path } });
  }
}
