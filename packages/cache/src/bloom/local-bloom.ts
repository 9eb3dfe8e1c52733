import { type BloomFilter, type BloomSizing, bitPositions, bloomSize } from './bloom-filter.js';

/** A Bloom filter in this process's memory: fast, but each instance must be filled by itself. */
export class LocalBloomFilter implements BloomFilter {
  readonly name = 'local';
  readonly bits: number;
  readonly hashes: number;
  readonly #array: Uint8Array;

  constructor(sizing: BloomSizing) {
    ({ bits: this.bits, hashes: this.hashes } = bloomSize(sizing));
    this.#array = new Uint8Array(Math.ceil(this.bits / 8));
  }

  addSync(key: string): void {
    for (const bit of bitPositions(key, this.bits, this.hashes)) this.#array[bit >>> 3]! |= 1 << (bit & 7);
  }

  mightContainSync(key: string): boolean {
    for (const bit of bitPositions(key, this.bits, this.hashes)) {
      if ((this.#array[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }

  async add(keys: string | readonly string[]): Promise<void> {
    for (const key of typeof keys === 'string' ? [keys] : keys) this.addSync(key);
  }

  async mightContain(key: string): Promise<boolean> {
    return this.mightContainSync(key);
  }
}
