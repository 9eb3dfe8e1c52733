import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@stages/common';
import { parseProviderInstance, sortInstances } from '../instance.js';
import { instruments } from '../internal/telemetry.js';
import type { ProviderInstance } from '../registry.js';

interface SnapshotFile {
  version: 1;
  savedAt: number;
  services: Record<string, readonly unknown[]>;
}

/**
 * The last known provider lists on local disk, one file per namespace and ensemble (Dubbo's registry cache file).
 * A process that starts while ZooKeeper is down reads it and can still call providers; lists from it are always
 * delivered as stale. Writes go to a temp file then rename(), so a crash mid-write never leaves half a file,
 * and several processes on one host sharing the file only ever see whole versions of it.
 */
export class ProviderSnapshot {
  readonly file: string;
  readonly #lists = new Map<string, readonly ProviderInstance[]>();
  #dirty = false;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    dir: string,
    namespace: string,
    ensemble: string,
    private readonly logger: Logger,
  ) {
    const tag = createHash('sha256').update(ensemble).digest('hex').slice(0, 10);
    this.file = join(dir, `${namespace}-${tag}.json`);
    this.#load();
  }

  get(service: string): readonly ProviderInstance[] | undefined {
    return this.#lists.get(service);
  }

  services(): string[] {
    return [...this.#lists.keys()];
  }

  set(service: string, providers: readonly ProviderInstance[]): void {
    this.#lists.set(service, providers);
    this.#dirty = true;
  }

  /** Writes if anything changed since the last write; concurrent calls are serialised. */
  flush(): Promise<void> {
    this.#writing = this.#writing.then(() => this.#write());
    return this.#writing;
  }

  async #write(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    // Other processes on this host share the file and may watch other services: keep theirs, replace ours.
    const services: Record<string, readonly unknown[]> = { ...(await this.#readOthers()) };
    for (const [service, list] of this.#lists) services[service] = list;
    const body: SnapshotFile = { version: 1, savedAt: Date.now(), services };
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(join(this.file, '..'), { recursive: true });
      await writeFile(tmp, JSON.stringify(body));
      await rename(tmp, this.file);
    } catch (error) {
      this.#dirty = true;
      await unlink(tmp).catch(() => {});
      this.logger.warn({ err: error, file: this.file }, 'could not write the registry snapshot');
    }
  }

  async #readOthers(): Promise<Record<string, readonly unknown[]>> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as Partial<SnapshotFile>;
      return typeof parsed.services === 'object' && parsed.services !== null ? parsed.services : {};
    } catch {
      return {};
    }
  }

  #load(): void {
    let text: string;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      text = readFileSync(this.file, 'utf8');
    } catch {
      return; // no snapshot yet: the normal first start
    }
    let parsed: SnapshotFile;
    try {
      parsed = JSON.parse(text) as SnapshotFile;
      if (typeof parsed?.services !== 'object' || parsed.services === null) throw new Error('no services');
    } catch (error) {
      this.logger.warn({ err: error, file: this.file }, 'registry snapshot unreadable; ignored');
      return;
    }
    for (const [service, list] of Object.entries(parsed.services)) {
      if (!Array.isArray(list)) continue;
      const valid: ProviderInstance[] = [];
      for (const entry of list) {
        const result = parseProviderInstance(entry);
        if (result.ok && result.instance.service === service) valid.push(result.instance);
        else instruments().junk.add(1, { registry: 'zookeeper', source: 'snapshot' });
      }
      this.#lists.set(service, sortInstances(valid));
    }
  }
}
