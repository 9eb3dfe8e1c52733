import { StagesError, tracer, withSpan } from '@stages/common';
import type { ConfigDocument } from '../document.js';
import type { GrayRule } from '../gray.js';
import type { JsonSchema } from '../schema/json-schema.js';
import { publishAcls } from '../zookeeper/acl.js';
import { type Scope, schemaPath, scopeLabel, scopePaths, versionNode } from '../zookeeper/paths.js';
import { isZkError, toStagesError, type ZkSession } from '../zookeeper/session.js';
import { decodeRecord, encodeRecord, type VersionRecord } from './version.js';

export interface PublishMeta {
  author: string;
  message: string;
}

const MAX_ATTEMPTS = 8;
const t = tracer('config');

/**
 * The write side of central config, and the reads an operator needs (history, one version, the schema).
 * Instances never use it: they read through ZooKeeperSource.
 *
 * Every publish is one ZooKeeper multi: bump `seq` with a compare-and-set on its data version, create
 * `versions/v-N`, and point `current` (or `gray`) at the new record. So versions are numbered without gaps even
 * with concurrent publishers (the loser's CAS fails and it retries with the next number), and no reader ever sees
 * a version node without the pointer or the pointer without its version. `current` holds the whole document,
 * so a multi-key change lands in one read.
 *
 * Why not PERSISTENT_SEQUENTIAL for version nodes: the pointer must name the version in the same transaction,
 * and a sequential name is only known after the commit.
 */
export class ConfigStore {
  readonly #acls;

  constructor(
    readonly session: ZkSession,
    options: { credential?: string | undefined } = {},
  ) {
    this.#acls = publishAcls(options.credential ?? session.options.credential);
  }

  async current(scope: Scope): Promise<VersionRecord | undefined> {
    return this.#readOptional(scopePaths(scope).current);
  }

  async gray(scope: Scope): Promise<VersionRecord | undefined> {
    return this.#readOptional(scopePaths(scope).gray);
  }

  /** Newest first. */
  async history(scope: Scope, limit = 50): Promise<VersionRecord[]> {
    const { versions } = scopePaths(scope);
    let names: string[];
    try {
      names = await this.session.getChildren(versions);
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return [];
      throw toStagesError(error, 'history');
    }
    const newest = names.sort().reverse().slice(0, limit);
    return Promise.all(
      newest.map(async (name) => decodeRecord((await this.session.getData(`${versions}/${name}`)).data, name)),
    );
  }

  async version(scope: Scope, version: number): Promise<VersionRecord> {
    const found = await this.#readOptional(`${scopePaths(scope).versions}/${versionNode(version)}`);
    if (!found)
      throw new StagesError('NOT_FOUND', `version ${version} does not exist in ${scopeLabel(scope)}`, {
        details: { version },
      });
    return found;
  }

  publish(scope: Scope, document: ConfigDocument, meta: PublishMeta): Promise<VersionRecord> {
    return this.#commitVersion(scope, 'current', (version) => ({
      version,
      document,
      ...meta,
      time: new Date().toISOString(),
      kind: 'publish',
    }));
  }

  /** Publishes an earlier version's document again, as a new version: history only grows. */
  async rollback(scope: Scope, to: number, meta: PublishMeta): Promise<VersionRecord> {
    const old = await this.version(scope, to);
    return this.#commitVersion(scope, 'current', (version) => ({
      version,
      document: old.document,
      ...meta,
      time: new Date().toISOString(),
      kind: 'rollback',
      from: to,
    }));
  }

  /** A new version that only instances matching `rule` see; `current` is untouched until promote. */
  publishGray(scope: Scope, document: ConfigDocument, rule: GrayRule, meta: PublishMeta): Promise<VersionRecord> {
    if (!rule.instances?.length && !rule.tags?.length && rule.percentage === undefined)
      throw new StagesError('INVALID_ARGUMENT', 'a gray release needs instances, tags or a percentage');
    if (rule.percentage !== undefined && !(rule.percentage >= 0 && rule.percentage <= 100))
      throw new StagesError('INVALID_ARGUMENT', 'gray percentage must be between 0 and 100');
    return this.#commitVersion(scope, 'gray', (version) => ({
      version,
      document,
      ...meta,
      time: new Date().toISOString(),
      kind: 'gray',
      gray: rule,
    }));
  }

  /** The running gray version becomes current for everyone, and the gray node goes, in one multi. */
  promote(scope: Scope): Promise<VersionRecord> {
    const paths = scopePaths(scope);
    return withSpan(t, 'config.promote', { 'stages.config.scope': scopeLabel(scope) }, async () => {
      const gray = await this.gray(scope);
      if (!gray) throw new StagesError('FAILED_PRECONDITION', `no gray release runs in ${scopeLabel(scope)}`);
      const hasCurrent = (await this.session.exists(paths.current)) !== null;
      try {
        await this.session.multi((tx) => {
          if (hasCurrent) tx.setData(paths.current, encodeRecord(gray));
          else tx.create(paths.current, encodeRecord(gray), this.#acls);
          tx.remove(paths.gray);
        });
      } catch (error) {
        throw toStagesError(error, `promote in ${scopeLabel(scope)}`);
      }
      return gray;
    });
  }

  /** Stops a gray release: its instances go back to `current`. The version stays in history. */
  abandon(scope: Scope): Promise<void> {
    return withSpan(t, 'config.abandon', { 'stages.config.scope': scopeLabel(scope) }, async () => {
      try {
        await this.session.remove(scopePaths(scope).gray);
      } catch (error) {
        if (isZkError(error, 'NO_NODE'))
          throw new StagesError('FAILED_PRECONDITION', `no gray release runs in ${scopeLabel(scope)}`);
        throw toStagesError(error, `abandon in ${scopeLabel(scope)}`);
      }
    });
  }

  async registerSchema(namespace: string, app: string, schema: JsonSchema): Promise<void> {
    const path = schemaPath(namespace, app);
    const data = Buffer.from(JSON.stringify(schema));
    try {
      await this.session.mkdirp(path.slice(0, path.lastIndexOf('/')), this.#acls);
      if (await this.session.exists(path)) await this.session.setData(path, data);
      else await this.session.create(path, data, this.#acls);
    } catch (error) {
      throw toStagesError(error, `register schema for ${namespace}/${app}`);
    }
  }

  async schema(namespace: string, app: string): Promise<JsonSchema | undefined> {
    try {
      const { data } = await this.session.getData(schemaPath(namespace, app));
      return JSON.parse(data?.toString('utf8') ?? 'null') ?? undefined;
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return undefined;
      throw toStagesError(error, 'read schema');
    }
  }

  async #readOptional(path: string): Promise<VersionRecord | undefined> {
    try {
      return decodeRecord((await this.session.getData(path)).data, path);
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return undefined;
      throw toStagesError(error, `read ${path}`);
    }
  }

  /** The counter's stat; a first publish creates the scope's nodes (with this publisher's ACL) on the way. */
  async #seqStat(paths: ReturnType<typeof scopePaths>) {
    try {
      return (await this.session.getData(paths.seq)).stat;
    } catch (error) {
      if (!isZkError(error, 'NO_NODE')) throw error;
    }
    await this.session.mkdirp(paths.versions, this.#acls);
    try {
      await this.session.create(paths.seq, Buffer.from('0'), this.#acls);
    } catch (error) {
      if (!isZkError(error, 'NODE_EXISTS')) throw error;
    }
    return (await this.session.getData(paths.seq)).stat;
  }

  #commitVersion(
    scope: Scope,
    target: 'current' | 'gray',
    build: (version: number) => VersionRecord,
  ): Promise<VersionRecord> {
    const paths = scopePaths(scope);
    return withSpan(
      t,
      `config.publish`,
      { 'stages.config.scope': scopeLabel(scope), 'stages.config.target': target },
      async (span) => {
        try {
          for (let attempt = 1; ; attempt++) {
            const stat = await this.#seqStat(paths);
            const record = build(stat.version + 1);
            const pointer = target === 'current' ? paths.current : paths.gray;
            const pointerExists = (await this.session.exists(pointer)) !== null;
            try {
              await this.session.multi((tx) => {
                tx.setData(paths.seq, Buffer.from(String(record.version)), stat.version);
                tx.create(`${paths.versions}/${versionNode(record.version)}`, encodeRecord(record), this.#acls);
                if (pointerExists) tx.setData(pointer, encodeRecord(record));
                else tx.create(pointer, encodeRecord(record), this.#acls);
              });
              span.setAttribute('stages.config.version', record.version);
              return record;
            } catch (error) {
              const raced =
                isZkError(error, 'BAD_VERSION') || isZkError(error, 'NODE_EXISTS') || isZkError(error, 'NO_NODE');
              if (!raced || attempt >= MAX_ATTEMPTS) throw error;
            }
          }
        } catch (error) {
          throw toStagesError(error, `publish to ${scopeLabel(scope)}`);
        }
      },
    );
  }
}
