/**
 * Turns values into the strings level 2 stores. Level 1 keeps live values, so a serializer only runs on a
 * level-2 read or write. `deserialize(serialize(v))` must give back an equivalent value.
 */
export interface Serializer {
  readonly name: string;
  serialize(value: unknown): string;
  deserialize(text: string): unknown;
}

/** JSON: readable in redis-cli and by other languages; Dates come back as strings (use another serializer if that matters). */
export const jsonSerializer: Serializer = {
  name: 'json',
  serialize: (value) => JSON.stringify(value),
  deserialize: (text) => JSON.parse(text),
};
