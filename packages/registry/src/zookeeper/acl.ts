import { createHash } from 'node:crypto';
import { type ZkAcl, zk } from '../internal/zk-client.js';
import type { ZooKeeperCredentials } from './options.js';

/** The ACLs the registry writes with; without credentials everything is open (ZooKeeper's default). */
export interface RegistryAcls {
  /** Provider nodes and every directory above them: only the credential holder may change them. */
  readonly owned: ZkAcl[];
  /** `consumers/` directories: anyone may add a record there (consumer records are informational). */
  readonly consumers: ZkAcl[];
}

/** ZooKeeper's digest id: `user:base64(sha1("user:password"))`, what the server compares against. */
export function digestId(credentials: ZooKeeperCredentials): string {
  const hash = createHash('sha1').update(`${credentials.username}:${credentials.password}`).digest('base64');
  return `${credentials.username}:${hash}`;
}

export function registryAcls(credentials: ZooKeeperCredentials | undefined): RegistryAcls {
  const { ACL, Id, Permission } = zk();
  if (!credentials) return { owned: ACL.OPEN_ACL_UNSAFE, consumers: ACL.OPEN_ACL_UNSAFE };
  const holder = new ACL(Permission.ALL, new Id('digest', digestId(credentials)));
  const anyone = new Id('world', 'anyone');
  // Deleting a node is a DELETE on its parent, and adding a fake provider is a CREATE on the parent: the
  // directories need the same protection as the provider nodes themselves, not just the nodes.
  return {
    owned: [holder, new ACL(Permission.READ, anyone)],
    consumers: [holder, new ACL(Permission.READ | Permission.CREATE, anyone)],
  };
}
