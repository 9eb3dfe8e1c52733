import type { ServiceDescriptor } from '@stages/common';
import { StagesError } from '@stages/common';
import type { ProviderInstance } from '@stages/registry';
import { CallCancellation } from '../server/cancellation.js';
import { InFlightTracker } from '../server/in-flight.js';
import { ServerPipeline } from '../server/pipeline.js';
import type { ClientTransport, OutgoingCall, ServerTransport } from '../transport/transport.js';
import { inProcessAddress, inProcessServers } from './registry.js';

export interface InProcessTransportOptions {
  /** Name part of the address; providers registered by this transport carry it as their host. */
  readonly host?: string;
  /** 0 (the default) picks the next free number, as port 0 does for a socket. */
  readonly port?: number;
  /** Share a pipeline with other transports of the same process (same bulkheads, same metrics). */
  readonly pipeline?: ServerPipeline;
  /**
   * How payloads are copied across the call: `structured` (structuredClone, keeps Dates and Maps) or `json`
   * (exactly what the gRPC transport delivers). Copied either way, so a callee can never mutate its caller's objects.
   */
  readonly copy?: 'structured' | 'json';
}

/** What the process-wide map holds for a started in-process server. */
export interface InProcessServer {
  serve(call: OutgoingCall): Promise<unknown>;
}

let nextPort = 1;

/**
 * Calls between services of one process (the monolith, stage 1), through the same server pipeline as gRPC, with
 * payloads copied so that sharing an object by accident cannot happen here and then break after the split.
 * One object is both ends: a process serves with it and calls with it.
 */
export class InProcessTransport implements ServerTransport, ClientTransport {
  readonly protocol = 'inproc';
  readonly pipeline: ServerPipeline;
  readonly #host: string;
  #port: number;
  readonly #copy: (value: unknown) => unknown;
  readonly #inFlight = new InFlightTracker();
  #state: 'new' | 'serving' | 'draining' | 'stopped' = 'new';

  constructor(options: InProcessTransportOptions = {}) {
    this.#host = options.host ?? 'inproc';
    this.#port = options.port ?? 0;
    this.pipeline = options.pipeline ?? new ServerPipeline();
    this.#copy = options.copy === 'json' ? jsonCopy : structuredCopy;
  }

  expose(service: ServiceDescriptor): void {
    this.pipeline.expose(service);
  }

  async start(): Promise<{ host: string; port: number }> {
    if (this.#state === 'serving') return { host: this.#host, port: this.#port };
    const servers = inProcessServers();
    if (this.#port === 0) {
      while (servers.has(inProcessAddress(this.#host, nextPort))) nextPort++;
      this.#port = nextPort++;
    }
    const address = inProcessAddress(this.#host, this.#port);
    if (servers.has(address)) throw new StagesError('CONFIG_INVALID', `in-process address ${address} is in use`);
    servers.set(address, { serve: (call) => this.#serve(call) });
    this.#state = 'serving';
    return { host: this.#host, port: this.#port };
  }

  async stop(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    if (this.#state !== 'serving') return;
    // New calls are refused with UNAVAILABLE from here on, so callers fail over to another instance.
    this.#state = 'draining';
    await this.#inFlight.whenIdle(options.drainTimeoutMs ?? 10_000);
    inProcessServers().delete(inProcessAddress(this.#host, this.#port));
    this.#state = 'stopped';
  }

  inFlight(): number {
    return this.#inFlight.count;
  }

  async invoke(provider: ProviderInstance, call: OutgoingCall): Promise<unknown> {
    const server = inProcessServers().get(inProcessAddress(provider.host, provider.port));
    if (server === undefined) {
      throw new StagesError('UNAVAILABLE', `no in-process server at ${inProcessAddress(provider.host, provider.port)}`);
    }
    let payload: unknown;
    try {
      payload = this.#copy(call.payload);
    } catch (error) {
      throw new StagesError('INVALID_ARGUMENT', `request for ${call.service}/${call.method} cannot be copied`, {
        cause: error,
      });
    }
    try {
      return this.#copy(await server.serve({ ...call, payload }));
    } catch (error) {
      // Rebuilt from its wire form, as the network would: no stack, no cause crosses the boundary.
      throw StagesError.fromWire(StagesError.from(error).toWire());
    }
  }

  /** Nothing to release: there is no channel. */
  release(): void {}

  async close(): Promise<void> {}

  async #serve(call: OutgoingCall): Promise<unknown> {
    if (this.#state !== 'serving') throw new StagesError('UNAVAILABLE', 'server is shutting down');
    this.#inFlight.enter();
    try {
      let cancellation: CallCancellation | undefined;
      const signal = call.signal;
      if (signal !== undefined) {
        cancellation = new CallCancellation();
        if (signal.aborted) cancellation.cancel();
        else signal.addEventListener('abort', () => cancellation?.cancel(), { once: true });
      }
      return await this.pipeline.handle(
        {
          service: call.service,
          method: call.method,
          payload: call.payload,
          deadline: call.deadline,
          metadata: call.metadata,
        },
        cancellation,
      );
    } finally {
      this.#inFlight.leave();
    }
  }
}

function structuredCopy(value: unknown): unknown {
  return value === undefined || value === null || typeof value !== 'object' ? value : structuredClone(value);
}

function jsonCopy(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
