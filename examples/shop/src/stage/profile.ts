import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StagesConfigInput } from '@stages/core';
import { parse } from 'yaml';
import type { ShopSettings } from '../infra/settings.js';

export const SHOP_DIR = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

/** One process of a split stage: which services it serves (stage 12), how many copies. */
export interface ProcessSpec {
  services: string[];
  count?: number;
  /** Stage 9: the zone these processes run in. */
  zone?: string;
}

/**
 * A stage profile (config/stage-N.yaml) after its placeholders are filled in. The service code is the same at
 * every stage; only this changes.
 */
export interface Profile {
  stage: number;
  title: string;
  /** Servers the stage needs; the launcher starts the ones not given in the environment. */
  servers?: { postgres?: { replica?: boolean }; redis?: boolean; zookeeper?: { nodes?: 1 | 3 } };
  /** Stages app config (core's schema), shared by every process of the stage. */
  app: StagesConfigInput;
  shop: ShopSettings;
  /** Stage 4: this many full copies of the shop behind one reverse proxy. */
  instances?: number;
  /** Stage 12: one process per entry (services over gRPC, found in ZooKeeper); the gateway stays in the launcher. */
  processes?: ProcessSpec[];
  /** Stage 13: ESB routes (@stages/esb RouteEngine documents), served on their own port next to the gateway. */
  esbRoutes?: unknown[];
}

/** `${name}` and `${name:arg}` placeholders: `${pg:shop}`, `${pg-replica:shop}`, `${redis}`, `${zk}`, `${dataDir}`. */
const PLACEHOLDER = /\$\{([A-Za-z-]+)(?::([A-Za-z0-9_-]+))?\}/g;

export function profilePath(stage: number): string {
  return `${SHOP_DIR}/config/stage-${stage}.yaml`;
}

export function readProfileText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** The placeholders a profile uses, e.g. [['pg', 'shop'], ['redis', undefined]]. */
export function placeholders(text: string): { kind: string; arg?: string }[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => ({ kind: m[1] as string, ...(m[2] ? { arg: m[2] } : {}) }));
}

/** Fills placeholders from `vars` (`pg:shop` -> URL) and parses. A missing one is an error naming it. */
export function parseProfile(text: string, vars: Readonly<Record<string, string>>, where: string): Profile {
  const filled = text.replace(PLACEHOLDER, (_, kind: string, arg?: string) => {
    const key = arg ? `${kind}:${arg}` : kind;
    const value = vars[key];
    if (value === undefined) throw new Error(`${where}: no value for \${${key}}`);
    return value;
  });
  const profile = parse(filled) as Profile;
  if (typeof profile?.stage !== 'number' || !profile.shop)
    throw new Error(`${where}: not a stage profile (stage, shop)`);
  return profile;
}
