import { readFile } from 'node:fs/promises';
import { StagesError } from '@stages/common';
import { parse } from 'yaml';
import { isPlainObject } from '../document.js';
import type { ConfigSource, LayerState } from './source.js';

export interface YamlFileOptions {
  /** A missing file is an empty layer unless required. */
  required?: boolean;
}

/** A YAML file (e.g. `config/application.yaml`, or a Kubernetes ConfigMap mounted as a file). Read once at start. */
export class YamlFileSource implements ConfigSource {
  readonly layer = 'file';
  constructor(
    readonly path: string,
    private readonly options: YamlFileOptions = {},
  ) {}

  async get(): Promise<LayerState> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !this.options.required) return { document: {} };
      throw new StagesError('CONFIG_MISSING', `config file ${this.path} cannot be read`, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = parse(text) ?? {};
    } catch (cause) {
      throw new StagesError('CONFIG_INVALID', `config file ${this.path} is not valid YAML`, { cause });
    }
    if (!isPlainObject(parsed))
      throw new StagesError('CONFIG_INVALID', `config file ${this.path} must hold a mapping at the top`);
    return { document: parsed };
  }
}
