import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { createLogger, StagesError, tracer, withSpan } from '@stages/common';
import type * as z from 'zod';
import { centralStates, type Layer, LayeredConfig, parse } from './config.js';
import type { ConfigDocument } from './document.js';
import type { InstanceIdentity } from './gray.js';
import { toJsonSchema } from './schema/json-schema.js';
import { secretPaths } from './secrets.js';
import { SnapshotFile } from './snapshot.js';
import { DefaultsSource } from './sources/defaults.js';
import { EnvSource } from './sources/env.js';
import type { ConfigSource } from './sources/source.js';
import { YamlFileSource } from './sources/yaml-file.js';
import { ZooKeeperSource } from './sources/zookeeper.js';
import { ConfigStore } from './store/config-store.js';
import { ZkSession } from './zookeeper/session.js';

export interface CentralOptions {
  /** A connection string (`127.0.0.1:2181`), or a session to share (the registry's, say). */
  zookeeper: string | ZkSession;
  namespace: string;
  app?: string;
  profile?: string;
  /** Start fails with CONFIG_MISSING when no central config can be had (store unreachable and no snapshot). */
  required?: boolean;
  /** How long start waits for ZooKeeper before falling back to the snapshot. Default 5000. */
  connectTimeoutMs?: number;
  sessionTimeoutMs?: number;
  /** Where the last accepted central config is kept; false for none. Default ~/.stages/config/<ns>.<app>.<profile>.json. */
  snapshotPath?: string | false;
  /** Write the schema (as JSON Schema) to ZooKeeper at start so the CLI can check values; needs write access. */
  registerSchema?: boolean;
  credential?: string;
}

export interface CreateConfigOptions<S extends z.ZodType> {
  schema?: S;
  defaults?: ConfigDocument;
  /** A YAML file; missing is fine unless `required`. */
  file?: string | { path: string; required?: boolean };
  /** Environment variables (`STAGES__DB__POOL__MAX`); on by default. */
  env?: boolean | { prefix?: string; env?: NodeJS.ProcessEnv };
  central?: CentralOptions;
  /** Identity for gray releases. Default id `<hostname>-<pid>`. */
  instance?: { id?: string; tags?: string[] };
}

const log = createLogger('config');

/**
 * Builds an application's configuration: defaults < YAML file < central shared < central app < central
 * profile < environment. Central layers come from ZooKeeper, or from the local snapshot when ZooKeeper cannot be
 * reached at start (a warning says so, and the instance catches up once it can).
 */
export async function createConfig<S extends z.ZodType>(
  options: CreateConfigOptions<S> = {},
): Promise<LayeredConfig<z.output<S>>> {
  return withSpan(tracer('config'), 'config.load', {}, async () => {
    const jsonSchema = options.schema ? toJsonSchema(options.schema) : undefined;
    const instance: InstanceIdentity = {
      id: options.instance?.id ?? `${hostname()}-${process.pid}`,
      tags: options.instance?.tags ?? [],
    };
    const sources: ConfigSource[] = [];
    if (options.defaults) sources.push(new DefaultsSource(options.defaults));
    if (options.file) {
      const file = typeof options.file === 'string' ? { path: options.file } : options.file;
      sources.push(new YamlFileSource(file.path, { required: file.required ?? false }));
    }
    const central = options.central;
    let session: ZkSession | undefined;
    let ownSession = false;
    if (central) {
      ownSession = typeof central.zookeeper === 'string';
      session =
        typeof central.zookeeper === 'string'
          ? new ZkSession({
              connectionString: central.zookeeper,
              ...(central.credential ? { credential: central.credential } : {}),
              ...(central.sessionTimeoutMs ? { sessionTimeoutMs: central.sessionTimeoutMs } : {}),
            })
          : central.zookeeper;
      const base = { namespace: central.namespace };
      sources.push(new ZooKeeperSource('shared', session, base, instance));
      if (central.app) sources.push(new ZooKeeperSource('app', session, { ...base, app: central.app }, instance));
      if (central.app && central.profile)
        sources.push(
          new ZooKeeperSource('profile', session, { ...base, app: central.app, profile: central.profile }, instance),
        );
    }
    if (options.env !== false) {
      const env = typeof options.env === 'object' ? options.env : {};
      sources.push(new EnvSource({ ...env, schema: jsonSchema }));
    }

    const snapshot =
      central && central.snapshotPath !== false
        ? new SnapshotFile(
            central.snapshotPath ??
              join(
                homedir(),
                '.stages',
                'config',
                `${central.namespace}.${central.app ?? 'shared'}.${central.profile ?? 'default'}.json`,
              ),
          )
        : undefined;

    try {
      const layers = await loadLayers(sources, session, central, snapshot, options.schema);
      const config = new LayeredConfig<z.output<S>>(layers, options.schema, secretPaths(jsonSchema), snapshot, () => {
        if (ownSession) session?.close();
      });
      if (central && session?.connected && central.registerSchema && central.app && jsonSchema)
        await new ConfigStore(session)
          .registerSchema(central.namespace, central.app, jsonSchema)
          .catch((error) => log.warn({ err: (error as Error).message }, 'config schema not registered'));
      return config;
    } catch (error) {
      if (ownSession) session?.close();
      throw error;
    }
  });
}

async function loadLayers(
  sources: ConfigSource[],
  session: ZkSession | undefined,
  central: CentralOptions | undefined,
  snapshot: SnapshotFile | undefined,
  schema: z.ZodType | undefined,
): Promise<Layer[]> {
  let reachable = false;
  if (session && central) {
    try {
      await session.waitConnected(central.connectTimeoutMs ?? 5000);
      reachable = true;
    } catch {
      reachable = false;
    }
  }
  const layers: Layer[] = [];
  for (const source of sources) {
    if (!source.central || reachable) {
      try {
        layers.push({ source, state: await source.get() });
        continue;
      } catch (error) {
        if (!source.central) throw error;
        reachable = false; // lost mid-load: the snapshot serves all central layers alike
      }
    }
    layers.push({ source, state: { document: {} } });
  }
  if (!central) return layers;

  const saved = await snapshot?.read();
  const fromSnapshot = (ls: Layer[]): Layer[] =>
    ls.map((l) => (l.source.central ? { ...l, state: saved?.layers[l.source.layer] ?? { document: {} } } : l));

  if (!reachable) {
    if (!saved) {
      if (central.required)
        throw new StagesError(
          'CONFIG_MISSING',
          `central config ${central.namespace} is required, ZooKeeper is unreachable and there is no local snapshot`,
        );
      log.warn(
        { namespace: central.namespace },
        'ZooKeeper unreachable and no config snapshot: starting without central config',
      );
      return layers;
    }
    log.warn(
      { namespace: central.namespace, savedAt: saved.savedAt },
      'ZooKeeper unreachable: using the local config snapshot',
    );
    const seeded = fromSnapshot(layers);
    for (const l of seeded) if (l.source.central) l.source.seed?.(l.state);
    return seeded;
  }

  if (central.required && !layers.some((l) => l.source.central && l.state.version !== undefined))
    throw new StagesError('CONFIG_MISSING', `central config ${central.namespace} is required but nothing is published`);
  if (parse(schema, layers).ok) {
    await snapshot?.write(centralStates(layers));
    return layers;
  }
  // Live central config that does not parse, with a good snapshot to hand: start on the snapshot and keep
  // watching, as a running instance would have kept its last good value. Without one, the constructor throws
  // CONFIG_INVALID naming the issues.
  if (saved && parse(schema, fromSnapshot(layers)).ok) {
    log.error('central config is invalid: starting from the last good local snapshot');
    const seeded = fromSnapshot(layers);
    for (const l of seeded) if (l.source.central) l.source.seed?.(l.state);
    return seeded;
  }
  return layers;
}
