import type { ConfigDocument } from '../document.js';

/** What one layer holds right now. `version`/`gray` are set by central sources, for `explain` and snapshots. */
export interface LayerState {
  document: ConfigDocument;
  version?: number | undefined;
  gray?: boolean | undefined;
}

/**
 * One layer of configuration. `get` returns the whole document (layers are merged whole, so a reader never sees
 * half of a change); `watch`, when the source can change while the app runs, reports each new document in order.
 */
export interface ConfigSource {
  /** The layer's name as `explain` reports it: defaults, file, shared, app, profile, env. */
  readonly layer: string;
  /** Central sources are saved to the local snapshot and may be missing at start. */
  readonly central?: boolean;
  get(): Promise<LayerState>;
  watch?(listener: (state: LayerState) => void): () => void;
  /** Central sources only: start from a snapshot's state and catch up when the store is reachable. */
  seed?(state: LayerState): void;
  close?(): void | Promise<void>;
}
