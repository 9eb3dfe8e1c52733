import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createLogger } from '@stages/common';
import type { LayerState } from './sources/source.js';

export interface Snapshot {
  savedAt: string;
  layers: Record<string, LayerState>;
}

const log = createLogger('config.snapshot');

/**
 * The last central config this instance accepted, on local disk, so a restart during a ZooKeeper outage still
 * has it. Written to a temporary file and renamed over the old one: a crash mid-write leaves the previous
 * snapshot, never half a file. Mode 0600 because documents may hold secrets.
 */
export class SnapshotFile {
  #writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  async read(): Promise<Snapshot | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as Snapshot;
      return typeof parsed === 'object' && parsed !== null && typeof parsed.layers === 'object' ? parsed : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        log.warn({ path: this.path, err: (error as Error).message }, 'config snapshot unreadable; ignored');
      return undefined;
    }
  }

  /** Writes are queued, so an older state never lands after a newer one. */
  write(layers: Record<string, LayerState>): Promise<void> {
    const snapshot: Snapshot = { savedAt: new Date().toISOString(), layers };
    this.#writing = this.#writing.then(async () => {
      try {
        await mkdir(dirname(this.path), { recursive: true });
        const tmp = `${this.path}.${process.pid}.tmp`;
        await writeFile(tmp, JSON.stringify(snapshot), { mode: 0o600 });
        await rename(tmp, this.path);
      } catch (error) {
        log.warn({ path: this.path, err: (error as Error).message }, 'config snapshot not written');
      }
    });
    return this.#writing;
  }
}
