import { createHash } from 'node:crypto';
import type { ZkAcl } from './client.js';
import { zk } from './client.js';

/**
 * ACLs for nodes a publisher creates. With a credential: everyone may read, only the digest identity may
 * write, create children, delete or change the ACL. Without one the nodes are open (a development setup).
 */
export function publishAcls(credential: string | undefined): ZkAcl[] {
  const { ACL, Id, Permission } = zk();
  if (!credential) return [new ACL(Permission.ALL, new Id('world', 'anyone'))];
  return [
    new ACL(Permission.READ, new Id('world', 'anyone')),
    new ACL(Permission.ALL, new Id('digest', digestId(credential))),
  ];
}

/** ZooKeeper's digest id: `user:base64(sha1("user:password"))`. */
export function digestId(credential: string): string {
  const user = credential.slice(0, credential.indexOf(':'));
  return `${user}:${createHash('sha1').update(credential).digest('base64')}`;
}
