import type { ProviderInstance } from '@stages/registry';
import { type ProcessHandle, startProcess } from '@stages/test-harness';
import type { ServiceClient } from '../../src/client/service-client.js';
import type { ClientTransport, OutgoingCall } from '../../src/transport/transport.js';

export const FIXTURE = 'packages/rpc/test/client/fixtures/cluster-provider.ts';

export interface Provider {
  readonly handle: ProcessHandle;
  readonly id: string;
}

export async function startProvider(env: Record<string, string>): Promise<Provider> {
  const handle = await startProcess({
    args: [FIXTURE],
    env: { STAGES_LOG_LEVEL: 'warn', ...env },
    ready: /listening \d+ \S+/,
    readyTimeoutMs: 30_000,
  });
  const match = /listening \d+ (\S+)/.exec(handle.output())!;
  return { handle, id: match[1]! };
}

/** Wraps the real transport to count attempts, failed attempts and releases per provider. */
export class CountingTransport implements ClientTransport {
  readonly protocol: string;
  readonly attempts = new Map<string, number>();
  readonly failures = new Map<string, number>();
  readonly released: string[] = [];

  constructor(readonly inner: ClientTransport) {
    this.protocol = inner.protocol;
  }

  async invoke(p: ProviderInstance, call: OutgoingCall): Promise<unknown> {
    this.attempts.set(p.id, (this.attempts.get(p.id) ?? 0) + 1);
    try {
      return await this.inner.invoke(p, call);
    } catch (error) {
      this.failures.set(p.id, (this.failures.get(p.id) ?? 0) + 1);
      throw error;
    }
  }

  release(p: ProviderInstance): void {
    this.released.push(p.id);
    this.inner.release?.(p);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  totalFailures(): number {
    let n = 0;
    for (const v of this.failures.values()) n += v;
    return n;
  }
}

export interface LoadResult {
  ok: number;
  failed: unknown[];
  byProvider: Map<string, number>;
}

/** Calls `whoami` from `concurrency` loops until stopped; every answer names the provider that gave it. */
export function runLoad(client: ServiceClient, concurrency: number, method = 'whoami') {
  const result: LoadResult = { ok: 0, failed: [], byProvider: new Map() };
  let running = true;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        const r = (await client.call(method, {})) as { id: string };
        result.ok++;
        result.byProvider.set(r.id, (result.byProvider.get(r.id) ?? 0) + 1);
      } catch (error) {
        result.failed.push(error);
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  });
  return {
    result,
    async stop(): Promise<LoadResult> {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
  return Date.now() - t0;
}
