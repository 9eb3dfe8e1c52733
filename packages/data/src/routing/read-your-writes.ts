import { currentContext } from '@stages/common';

/** What a call context remembers after it wrote through a read/write split. */
export interface WriteMark {
  /** The primary's WAL position just after the write (PostgreSQL, `wal` mode). */
  lsn?: bigint;
}

/**
 * Read-your-writes is scoped to the call context (one incoming request and everything it does): after that
 * call writes, its own reads avoid replicas that may not have the write yet. Other calls keep using replicas.
 * Outside any call context there is nothing to scope to, and reads are routed normally.
 */
export class ReadYourWrites {
  readonly #key: symbol;

  constructor(router: string) {
    this.#key = Symbol.for(`stages.data.read-your-writes:${router}`);
  }

  /** True when the current call context exists: only then is a write worth remembering. */
  active(): boolean {
    return currentContext() !== undefined;
  }

  markWrite(mark: WriteMark): void {
    const state = currentContext()?.state;
    if (!state) return;
    const previous = state.get(this.#key) as WriteMark | undefined;
    // Already pinned to the primary (no position known): nothing is stricter.
    if (previous && previous.lsn === undefined) return;
    // Keep the highest position: a replica must have replayed every write this call made.
    if (previous?.lsn !== undefined && mark.lsn !== undefined && mark.lsn < previous.lsn) return;
    state.set(this.#key, mark);
  }

  lastWrite(): WriteMark | undefined {
    return currentContext()?.state.get(this.#key) as WriteMark | undefined;
  }
}
