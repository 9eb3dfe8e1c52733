import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createLogger, StagesError } from '@stages/common';
import { parse as parseYaml } from 'yaml';
import { type StagesConfig, type StagesConfigInput, StagesConfigSchema } from './schema.js';

const log = createLogger('core.config');

/**
 * The app's view of its configuration: the current validated snapshot and change events. A YAML file is
 * watched, so editing it (feature flags, bulkhead sizes) applies without a restart; an invalid edit is
 * logged and ignored, keeping the last good config.
 */
export class AppConfig {
  #current: StagesConfig;
  readonly #listeners = new Set<(next: StagesConfig, previous: StagesConfig) => void>();
  #closers: (() => void)[] = [];

  private constructor(initial: StagesConfig) {
    this.#current = initial;
  }

  static async load(source: string | StagesConfigInput | undefined): Promise<AppConfig> {
    if (typeof source !== 'string') return new AppConfig(validate(source ?? {}, 'options.config'));
    const app = new AppConfig(validate(await readYaml(source), source));
    app.#watchFile(source);
    return app;
  }

  current(): StagesConfig {
    return this.#current;
  }

  /** Replaces the config with `input` merged over the current one (top-level keys), then notifies. */
  update(patch: Partial<StagesConfigInput>): void {
    this.#apply(validate({ ...this.#current, ...patch }, 'update'));
  }

  onChange(listener: (next: StagesConfig, previous: StagesConfig) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    for (const close of this.#closers) close();
    this.#closers = [];
  }

  #apply(next: StagesConfig): void {
    const previous = this.#current;
    this.#current = next;
    for (const listener of this.#listeners) {
      try {
        listener(next, previous);
      } catch (error) {
        log.error({ err: error }, 'config listener failed');
      }
    }
  }

  #watchFile(path: string): void {
    let timer: NodeJS.Timeout | undefined;
    const reload = () => {
      readYaml(path)
        .then((raw) => this.#apply(validate(raw, path)))
        .catch((error: unknown) =>
          log.warn({ err: error, path }, 'config file change ignored: keeping the last good config'),
        );
    };
    try {
      const watcher = watch(path, () => {
        // Editors write a file in several steps: wait for them to settle.
        clearTimeout(timer);
        timer = setTimeout(reload, 50);
      });
      watcher.unref();
      this.#closers.push(() => {
        clearTimeout(timer);
        watcher.close();
      });
    } catch (error) {
      log.warn({ err: error, path }, 'cannot watch config file; changes need a restart');
    }
  }
}

async function readYaml(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StagesError('CONFIG_MISSING', `cannot read config file ${path}`, { cause: error, details: { path } });
  }
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    throw new StagesError('CONFIG_INVALID', `${path}: not valid YAML`, { cause: error, details: { path } });
  }
}

export function validate(raw: unknown, where: string): StagesConfig {
  const parsed = StagesConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || '(root)';
  throw new StagesError('CONFIG_INVALID', `${where}: ${field}: ${issue?.message ?? 'invalid'}`, {
    details: { field, source: where },
  });
}
