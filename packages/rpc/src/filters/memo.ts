import type { ProviderInstance } from '@stages/registry';

/**
 * The last input and output of a filter whose answer depends only on the provider list (protocol, version, group):
 * the list only changes when the registry delivers a new one, so on every other call the answer is the same array.
 */
export class ListMemo {
  #input: readonly ProviderInstance[] | undefined;
  #output: readonly ProviderInstance[] = [];

  get(input: readonly ProviderInstance[]): readonly ProviderInstance[] | undefined {
    return input === this.#input ? this.#output : undefined;
  }

  set(input: readonly ProviderInstance[], output: readonly ProviderInstance[]): readonly ProviderInstance[] {
    this.#input = input;
    this.#output = output;
    return output;
  }
}
