import { createLogger, StagesError, tracer, withSpan } from '@stages/common';
import { type GrayRule, grayMatches, type InstanceIdentity } from '../gray.js';
import { decodeRecord } from '../store/version.js';
import { type Scope, scopeLabel, scopePaths } from '../zookeeper/paths.js';
import { isZkError, type ZkSession } from '../zookeeper/session.js';
import type { ConfigSource, LayerState } from './source.js';

const log = createLogger('config.zookeeper');
const t = tracer('config');

/**
 * One central layer (shared, app or profile) read from ZooKeeper. It reads `current` and `gray`, and an
 * instance the gray rule selects gets the gray document instead. Both nodes are watched; a watch event, or a
 * reconnect (which may follow changes it missed), schedules one re-read, and re-reads run one after another so
 * listeners see versions in order. A re-read that finds the same version and gray state reports nothing.
 */
export class ZooKeeperSource implements ConfigSource {
  readonly central = true;
  readonly #paths;
  readonly #listeners = new Set<(state: LayerState) => void>();
  #last: LayerState | undefined;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  // One function per node: the client de-duplicates a watcher it already holds, so re-reads never pile them up.
  readonly #onNodeEvent = () => this.#schedule();
  readonly #onConnected = () => this.#schedule();

  constructor(
    readonly layer: string,
    private readonly session: ZkSession,
    readonly scope: Scope,
    private readonly instance: InstanceIdentity,
  ) {
    this.#paths = scopePaths(scope);
  }

  async get(): Promise<LayerState> {
    if (!this.session.connected)
      throw new StagesError('UNAVAILABLE', `zookeeper unreachable for ${scopeLabel(this.scope)}`);
    const state = await this.#read();
    this.#last = state;
    return state;
  }

  seed(state: LayerState): void {
    this.#last = state;
  }

  watch(listener: (state: LayerState) => void): () => void {
    const first = this.#listeners.size === 0;
    this.#listeners.add(listener);
    if (first) {
      this.session.on('connected', this.#onConnected);
      // A change between get() and now found nobody to tell: look again, now that someone listens.
      this.#schedule();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.session.off('connected', this.#onConnected);
    };
  }

  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.session.off('connected', this.#onConnected);
  }

  /** Re-reads after the previous re-read finished: order is preserved, nothing runs twice at once. */
  #schedule(): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#closed || !this.session.connected || this.#listeners.size === 0) return;
      try {
        await withSpan(t, 'config.refresh', { 'stages.config.layer': this.layer }, async (span) => {
          const state = await this.#read();
          span.setAttribute('stages.config.version', state.version ?? 0);
          if (this.#last && state.version === this.#last.version && state.gray === this.#last.gray) return;
          this.#last = state;
          // Inside the span, so the merge, the validation and the listeners show up under it.
          for (const listener of this.#listeners) listener(state);
        });
      } catch (error) {
        // A read lost with the connection is retried on the next `connected`; anything else is worth a line.
        log.warn({ scope: scopeLabel(this.scope), err: (error as Error).message }, 'central config re-read failed');
      }
    });
  }

  async #read(): Promise<LayerState> {
    const [current, gray] = await Promise.all([this.#readNode(this.#paths.current), this.#readNode(this.#paths.gray)]);
    if (gray && grayMatches((gray.gray ?? {}) as GrayRule, this.instance))
      return { document: gray.document, version: gray.version, gray: true };
    if (current) return { document: current.document, version: current.version, gray: false };
    return { document: {}, gray: false };
  }

  /** The record at path with a data watch, or undefined with an existence watch (fires when it is created). */
  async #readNode(path: string) {
    try {
      const { data } = await this.session.getData(path, this.#onNodeEvent);
      return decodeRecord(data, path);
    } catch (error) {
      if (!isZkError(error, 'NO_NODE')) throw error;
      // Created between the two calls: the existence watch fires at once, so the next re-read catches it.
      await this.session.exists(path, this.#onNodeEvent);
      return undefined;
    }
  }
}
