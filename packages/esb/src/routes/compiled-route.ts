import type { Evaluate } from './expression.js';
import type { ParsedRoute } from './schema.js';

export type CompiledStep =
  | { kind: 'transform'; evaluate: Evaluate }
  | { kind: 'filter'; test: (ex: import('./schema.js').Exchange) => Promise<boolean> }
  | { kind: 'split'; evaluate: Evaluate }
  | { kind: 'enrich'; service: string; call: string; input?: Evaluate; as?: string }
  | {
      kind: 'choice';
      branches: { test?: (ex: import('./schema.js').Exchange) => Promise<boolean>; steps: CompiledStep[] }[];
    };

export type CompiledEndpoint =
  | { kind: 'service'; service: string; call: string; timeoutMs?: number; label: string }
  | { kind: 'topic'; topic: string; key?: Evaluate; label: string }
  | { kind: 'http'; url: string; method: string; label: string };

/** A route ready to run: expressions compiled, endpoints checked, path matcher built. */
export interface CompiledRoute {
  readonly id: string;
  readonly definition: ParsedRoute;
  readonly steps: readonly CompiledStep[];
  readonly to: readonly CompiledEndpoint[];
  readonly matchPath?: (path: string) => Record<string, string> | undefined;
}
