import type { ConfigDocument } from '../document.js';
import type { ConfigSource, LayerState } from './source.js';

/** Defaults written in code: the lowest layer. (Defaults in the zod schema apply after every layer.) */
export class DefaultsSource implements ConfigSource {
  readonly layer = 'defaults';
  constructor(private readonly document: ConfigDocument) {}

  async get(): Promise<LayerState> {
    return { document: structuredClone(this.document) };
  }
}
