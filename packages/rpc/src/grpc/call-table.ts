/** Ring slots; calls whose id collides with one still in flight 4,096 ids earlier go to a small overflow map. */
const SLOTS = 4096;
const MASK = SLOTS - 1;

/**
 * The calls in flight on one stream, by call id. Not a Map: a Map whose entries are added and deleted at a high
 * rate keeps rehashing into fresh tables, and V8 links each obsolete table to its successor without clearing it
 * (live iterators follow the chain). Once one of those tables is promoted to the old generation it keeps every
 * later table, and the calls their stale entries point to, alive through young-generation collections until a
 * full collection: a chain that re-forms by itself. With 64 calls in flight that made a client do 12-14 full
 * collections in 2.5 s (~530 ms of GC) and, through the cluster client, decided at random whether a process ran
 * at 115k or 160k calls/s. A plain object keyed by id removed the chain (no full collection, ~80 ms of GC, mux
 * echo 150k -> 199k calls/s) but made each call dearer; this ring does neither: ids are handed out in sequence,
 * so the calls in flight almost always sit in distinct slots, a slot is cleared when its call ends, and nothing
 * keeps a stale reference.
 */
export class CallTable<V> {
  readonly #values: (V | undefined)[] = new Array<V | undefined>(SLOTS).fill(undefined);
  readonly #ids = new Float64Array(SLOTS);
  /** Calls whose slot was taken; rare (a call still in flight 4,096 ids after it was sent). */
  #overflow: Map<number, V> | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(id: number): V | undefined {
    const i = id & MASK;
    const value = this.#values[i];
    if (value !== undefined && this.#ids[i] === id) return value;
    return this.#overflow?.get(id);
  }

  /** Adds a call under an id not in flight (a repeated id replaces the call it had). */
  add(id: number, value: V): void {
    const i = id & MASK;
    const current = this.#values[i];
    if (current === undefined) {
      this.#values[i] = value;
      this.#ids[i] = id;
      this.#size++;
    } else if (this.#ids[i] === id) {
      this.#values[i] = value;
    } else {
      this.#overflow ??= new Map();
      if (!this.#overflow.has(id)) this.#size++;
      this.#overflow.set(id, value);
    }
  }

  delete(id: number): boolean {
    const i = id & MASK;
    if (this.#values[i] !== undefined && this.#ids[i] === id) {
      this.#values[i] = undefined;
      this.#size--;
      return true;
    }
    if (this.#overflow?.delete(id)) {
      this.#size--;
      return true;
    }
    return false;
  }

  /** Every call in flight (a copy: deleting while iterating it is fine). */
  values(): V[] {
    const out: V[] = [];
    if (this.#size === 0) return out;
    for (const value of this.#values) if (value !== undefined) out.push(value);
    if (this.#overflow !== undefined) out.push(...this.#overflow.values());
    return out;
  }

  clear(): void {
    this.#values.fill(undefined);
    this.#overflow = undefined;
    this.#size = 0;
  }
}
