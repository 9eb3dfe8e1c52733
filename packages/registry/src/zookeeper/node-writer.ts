import { type ZkAcl, zk, zkCode } from '../internal/zk-client.js';
import type { RegistryAcls } from './acl.js';
import type { ZkLayout } from './paths.js';
import type { ZkSession } from './session.js';

/**
 * Writes the registry's nodes: ephemeral records and the persistent directories above them. Remembers which
 * directories exist in the current session so a registration normally costs one create.
 */
export class NodeWriter {
  /** Directories made (or being made) in this session. */
  readonly #ensured = new Map<string, Promise<void>>();

  constructor(
    private readonly session: ZkSession,
    private readonly layout: ZkLayout,
    private readonly acls: RegistryAcls,
  ) {}

  /** A new session, or someone deleted a directory: check again before trusting what we knew. */
  forgetDirectories(): void {
    this.#ensured.clear();
  }

  /**
   * Creates (or takes over) an ephemeral node. NODE_EXISTS means either our own earlier create whose answer was
   * lost in a reconnect (same session: just update it) or a node left by a previous session of the same instance
   * that ZooKeeper has not expired yet (replace it, or it vanishes under us when that session expires).
   */
  async writeEphemeral(path: string, value: object, acl: ZkAcl[]): Promise<void> {
    const { CreateMode, Exception } = zk();
    const data = Buffer.from(JSON.stringify(value));
    const dir = path.slice(0, path.lastIndexOf('/'));
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ensureDir(dir);
        await this.session.create(path, data, acl, CreateMode.EPHEMERAL);
        return;
      } catch (error) {
        const code = zkCode(error);
        if (attempt >= 3) throw error;
        if (code === Exception.NO_NODE) {
          // Deleted by someone since we saw it: forget what we knew and build the path again.
          this.#ensured.clear();
        } else if (code === Exception.NODE_EXISTS) {
          const stat = await this.session.exists(path);
          if (stat && stat.ephemeralOwner.toString('hex') === this.session.sessionId) {
            await this.session.setData(path, data);
            return;
          }
          await this.remove(path);
        } else {
          throw error;
        }
      }
    }
  }

  /**
   * Makes sure a persistent directory exists, walking up with reads only as far as something is missing.
   * It checks with exists() first: a read is answered by the server it is connected to, while every create,
   * even one that fails with NODE_EXISTS, is a logged (fsynced) write on the leader. Concurrent registrations
   * share one check per directory per session; NODE_EXISTS is another process winning the same race.
   */
  ensureDir(dir: string): Promise<void> {
    const known = this.#ensured.get(dir);
    if (known) return known;
    const { CreateMode, Exception } = zk();
    const acl = this.layout.isConsumersDir(dir) ? this.acls.consumers : this.acls.owned;
    const create = async () => {
      try {
        await this.session.create(dir, null, acl, CreateMode.PERSISTENT);
      } catch (error) {
        if (zkCode(error) !== Exception.NODE_EXISTS) throw error;
      }
    };
    const pending = (async () => {
      if (await this.session.exists(dir)) return;
      // Missing: make the parent first (another read when it exists), so no create ever fails with NO_NODE.
      const parent = dir.slice(0, dir.lastIndexOf('/'));
      if (parent !== '') await this.ensureDir(parent);
      await create();
    })();
    this.#ensured.set(dir, pending);
    pending.catch(() => {
      if (this.#ensured.get(dir) === pending) this.#ensured.delete(dir);
    });
    return pending;
  }

  async remove(path: string): Promise<void> {
    try {
      await this.session.remove(path);
    } catch (error) {
      if (zkCode(error) !== zk().Exception.NO_NODE) throw error;
    }
  }

  async children(path: string): Promise<string[]> {
    try {
      return await this.session.getChildren(path);
    } catch (error) {
      if (zkCode(error) === zk().Exception.NO_NODE) return [];
      throw error;
    }
  }
}
