/**
 * A namespace's key prefix `name:vN:`. N is the configured version plus the cluster-wide bump count kept in
 * Redis, so changing the code's version (a schema change) or calling bumpVersion() makes every old key
 * unreachable at once; the old entries then age out by TTL instead of being deleted one by one.
 */
export class Namespace {
  /** Undefined until the bump count is known; lookups then take the slow path, which resolves it first. */
  prefix: string | undefined;
  #bumps = 0;
  resolving: Promise<string> | undefined;

  constructor(
    readonly name: string,
    readonly baseVersion: number,
  ) {}

  get version(): number {
    return this.baseVersion + this.#bumps;
  }

  get bumps(): number {
    return this.#bumps;
  }

  setBumps(bumps: number): string {
    this.#bumps = Math.max(0, bumps);
    this.prefix = `${this.name}:v${this.version}:`;
    return this.prefix;
  }
}
