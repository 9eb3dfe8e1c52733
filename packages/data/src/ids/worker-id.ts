/**
 * Where a process gets its snowflake worker id. `acquire` resolves to an id no other live process holds;
 * `onChange` reports when it is lost (undefined: stop minting ids) or replaced.
 */
export interface WorkerIdSource {
  acquire(): Promise<number>;
  onChange?(listener: (workerId: number | undefined) => void): void;
  release(): Promise<void>;
}

/** A fixed id from config: fine when the deployment guarantees uniqueness (one id per pod ordinal, say). */
export class StaticWorkerId implements WorkerIdSource {
  constructor(readonly workerId: number) {}
  async acquire(): Promise<number> {
    return this.workerId;
  }
  async release(): Promise<void> {}
}
