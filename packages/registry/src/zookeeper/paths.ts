/**
 * Where everything lives:
 *   <chroot>/stages/<namespace>/services/<service>/providers/<encoded instance id>   ephemeral, ProviderInstance JSON
 *   <chroot>/stages/<namespace>/services/<service>/consumers/<encoded consumer id>   ephemeral, ConsumerRecord JSON
 * Ids and service names are URI-encoded into one path segment, so `10.0.0.1:50051:42` or a `/` in a name never
 * creates an extra level.
 */
export class ZkLayout {
  readonly root: string;
  readonly services: string;

  constructor(chroot: string, namespace: string) {
    this.root = `${chroot}/stages/${namespace}`;
    this.services = `${this.root}/services`;
  }

  service(service: string): string {
    return `${this.services}/${encodeSegment(service)}`;
  }

  providers(service: string): string {
    return `${this.service(service)}/providers`;
  }

  provider(service: string, id: string): string {
    return `${this.providers(service)}/${encodeSegment(id)}`;
  }

  consumers(service: string): string {
    return `${this.service(service)}/consumers`;
  }

  consumer(service: string, id: string): string {
    return `${this.consumers(service)}/${encodeSegment(id)}`;
  }

  /** `.../services/<service>/consumers` exactly (a service may itself be called "consumers"). */
  isConsumersDir(path: string): boolean {
    if (!path.startsWith(`${this.services}/`)) return false;
    const rest = path.slice(this.services.length + 1).split('/');
    return rest.length === 2 && rest[1] === 'consumers';
  }

  /** The ancestors of `path` from the top, each one a node that must exist before `path` can be created. */
  ancestors(path: string): string[] {
    const parts = path.split('/').filter(Boolean);
    return parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
  }
}

export function encodeSegment(value: string): string {
  // ZooKeeper rejects "." and ".." as names; encodeURIComponent leaves dots alone.
  const encoded = encodeURIComponent(value);
  return encoded === '.' || encoded === '..' ? encoded.replaceAll('.', '%2E') : encoded;
}

export function decodeSegment(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
