import { defineApi, Reference, Rpc, Service } from '@stages/core';
import { z } from 'zod';

// The contract: consumers depend on this interface and token, never on the class that implements it.
export interface ClockApi {
  now(req: Record<string, never>): Promise<{ iso: string }>;
}
export const ClockApi = defineApi<ClockApi>('clock', { methods: { now: { idempotent: true } } });

@Service({ name: 'clock', version: '1.0.0' })
export class ClockService implements ClockApi {
  @Rpc({ idempotent: true })
  async now() {
    return { iso: new Date().toISOString() };
  }
}

@Service({ name: 'greeter', version: '1.0.0' })
export class GreeterService {
  // A typed proxy: in-process here, over gRPC once a registry and server are configured. Same code.
  constructor(@Reference(ClockApi) private readonly clock: ClockApi) {}

  @Rpc({ input: z.object({ name: z.string().min(1) }), timeoutMs: 500 })
  async greet(req: { name: string }) {
    const { iso } = await this.clock.now({});
    return { message: `Hello, ${req.name}! It is ${iso}.` };
  }
}
