import type { ProviderInstance } from '@stages/registry';
import type { ClientTransport, OutgoingCall } from '@stages/rpc';
import { type ProcessHandle, startProcess } from '@stages/test-harness';

export const PROVIDER = 'packages/esb/test/fixtures/provider.ts';

export interface Provider {
  readonly handle: ProcessHandle;
  readonly id: string;
}

export async function startProvider(env: Record<string, string>): Promise<Provider> {
  const handle = await startProcess({
    args: [PROVIDER],
    env: { STAGES_LOG_LEVEL: 'warn', ...env },
    ready: /listening \d+ \S+/,
    readyTimeoutMs: 30_000,
  });
  return { handle, id: /listening \d+ (\S+)/.exec(handle.output())![1]! };
}

/** Wraps the real transport to count attempts and failed attempts (the proof that a request never left). */
export class CountingTransport implements ClientTransport {
  readonly protocol: string;
  attempts = 0;
  failures = 0;
  constructor(readonly inner: ClientTransport) {
    this.protocol = inner.protocol;
  }
  async invoke(p: ProviderInstance, call: OutgoingCall): Promise<unknown> {
    this.attempts++;
    try {
      return await this.inner.invoke(p, call);
    } catch (error) {
      this.failures++;
      throw error;
    }
  }
  release(p: ProviderInstance): void {
    this.inner.release?.(p);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
