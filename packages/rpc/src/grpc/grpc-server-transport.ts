import { type ChannelOptions, Server, type ServerDuplexStream } from '@grpc/grpc-js';
import { createLogger, type ServiceDescriptor, StagesError } from '@stages/common';
import { InFlightTracker } from '../server/in-flight.js';
import { ServerPipeline } from '../server/pipeline.js';
import type { ServerTransport } from '../transport/transport.js';
import { DEFAULT_FRAMES_PER_MESSAGE } from './frame-batcher.js';
import { routeMuxStreams } from './h2-mux-route.js';
import { HealthService } from './health.js';
import { addIdlService } from './idl-server.js';
import { type MuxServerContext, MuxServerStream, serveUnaryFrame } from './mux-server.js';
import { grpcMuxServerCall, H2MuxServerCall, type MuxServerCall } from './mux-server-call.js';
import { muxServiceDefinition } from './mux-service.js';
import {
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_KEEPALIVE,
  DEFAULT_MAX_MESSAGE_BYTES,
  type KeepaliveOptions,
  type TlsServerOptions,
} from './options.js';
import { serverCredentials } from './tls.js';

export interface GrpcServerTransportOptions {
  /** Interface to bind; loopback unless the app says otherwise. */
  readonly host?: string;
  /** 0 (the default) binds any free port; start() tells which. */
  readonly port?: number;
  /** Share a pipeline with other transports of the process (the in-process one), so bulkheads are shared too. */
  readonly pipeline?: ServerPipeline;
  readonly tls?: TlsServerOptions;
  /** Largest message accepted or sent; bigger requests fail with RESOURCE_EXHAUSTED/PAYLOAD_TOO_LARGE. */
  readonly maxMessageBytes?: number;
  readonly keepalive?: KeepaliveOptions;
  /** stop() waits this long for in-flight calls when not given its own timeout. */
  readonly drainTimeoutMs?: number;
  /** Serve the multiplexed stream (default true). false serves only the unary fallback, like an older peer. */
  readonly streams?: boolean;
  /**
   * Answer mux streams on the HTTP/2 stream directly (default true), which saves grpc-js's per-message work; false
   * leaves them to grpc-js like every other call, for instance so that grpc-js server interceptors see them.
   */
  readonly muxOnHttp2?: boolean;
  /** Most answers per message (default 32); below that, answers go in batches the size requests came in. */
  readonly framesPerMessage?: number;
  /** Extra grpc-js server options, applied last. */
  readonly grpcOptions?: ChannelOptions;
}

const log = createLogger('rpc.grpc.server');

/**
 * One gRPC server per process serving every exposed descriptor three ways on one port: the Stages-to-Stages
 * multiplexed stream (`stages.Mux/Stream`, with `stages.Mux/Call` as unary fallback), IDL-mode unary methods for
 * descriptors that name a .proto, and the standard grpc.health.v1 service.
 */
export class GrpcServerTransport implements ServerTransport {
  readonly protocol = 'grpc';
  readonly pipeline: ServerPipeline;
  readonly health = new HealthService();
  readonly #options: GrpcServerTransportOptions;
  readonly #maxMessageBytes: number;
  readonly #server: Server;
  readonly #inFlight = new InFlightTracker();
  readonly #streams = new Set<MuxServerStream>();
  readonly #ctx: MuxServerContext;
  #state: 'new' | 'serving' | 'draining' | 'stopped' = 'new';
  #bound: { host: string; port: number } | undefined;
  #muxRouted = false;

  constructor(options: GrpcServerTransportOptions = {}) {
    this.#options = options;
    this.pipeline = options.pipeline ?? new ServerPipeline();
    this.#maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const keepalive = { ...DEFAULT_KEEPALIVE, ...options.keepalive };
    this.#server = new Server({
      'grpc.max_receive_message_length': this.#maxMessageBytes,
      'grpc.max_send_message_length': this.#maxMessageBytes,
      'grpc.keepalive_time_ms': keepalive.timeMs,
      'grpc.keepalive_timeout_ms': keepalive.timeoutMs,
      // Clients ping idle connections too (to notice a dead server); do not punish them for it.
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': Math.min(keepalive.timeMs, 5_000),
      // Channelz counts every message; nothing here reads it (grpcOptions can turn it back on).
      'grpc.enable_channelz': 0,
      ...options.grpcOptions,
    });
    this.#ctx = {
      pipeline: this.pipeline,
      inFlight: this.#inFlight,
      maxMessageBytes: this.#maxMessageBytes,
      framesPerMessage: Math.max(1, options.framesPerMessage ?? DEFAULT_FRAMES_PER_MESSAGE),
      draining: () => this.#state !== 'serving',
    };
    const muxImplementation = {
      // Only where routeMuxStreams could not take the mux stream off grpc-js (see start()).
      Stream: (stream: ServerDuplexStream<Buffer, Buffer>) => this.#serveMux(grpcMuxServerCall(stream), stream),
      Call: serveUnaryFrame(this.#ctx),
    };
    if (options.streams === false) {
      const { Call } = muxServiceDefinition;
      this.#server.addService({ Call }, { Call: muxImplementation.Call });
    } else {
      this.#server.addService(muxServiceDefinition, muxImplementation);
    }
    this.#server.addService(this.health.definition, this.health.implementation);
  }

  /** The protocol a provider of this descriptor registers with: IDL descriptors are callable by any gRPC client. */
  protocolFor(service: ServiceDescriptor): string {
    return service.proto === undefined ? 'grpc' : 'grpc-idl';
  }

  expose(service: ServiceDescriptor): void {
    if (this.#state !== 'new') {
      throw new StagesError('CONFIG_INVALID', `expose ${service.name} before start(): gRPC services are fixed then`);
    }
    this.pipeline.expose(service);
    addIdlService(this.#server, service, this.#ctx);
    this.health.setServing(service.name, false);
  }

  /** Readiness as the health service reports it, per service ('' for the whole server). */
  setServing(service: string, serving: boolean): void {
    this.health.setServing(service, serving);
  }

  async start(): Promise<{ host: string; port: number }> {
    if (this.#bound) return this.#bound;
    const host = this.#options.host ?? '127.0.0.1';
    const credentials = serverCredentials(this.#options.tls);
    const port = await new Promise<number>((resolve, reject) => {
      this.#server.bindAsync(`${host}:${this.#options.port ?? 0}`, credentials, (error, bound) => {
        if (error) reject(new StagesError('UNAVAILABLE', `cannot bind ${host}: ${error.message}`, { cause: error }));
        else resolve(bound);
      });
    });
    if (this.#options.streams !== false && this.#options.muxOnHttp2 !== false) {
      this.#muxRouted = routeMuxStreams(this.#server, (stream) =>
        this.#serveMux(new H2MuxServerCall(stream, this.#maxMessageBytes), stream),
      );
      if (!this.#muxRouted) log.warn('this grpc-js cannot be bypassed for mux streams; grpc-js serves them');
    }
    this.#state = 'serving';
    this.health.setServing('', true);
    for (const service of this.pipeline.services()) this.health.setServing(service.name, true);
    this.#bound = { host, port };
    log.info({ host, port, tls: this.#options.tls !== undefined }, 'gRPC transport listening');
    return this.#bound;
  }

  /**
   * Graceful shutdown: health says NOT_SERVING and new calls get UNAVAILABLE (callers fail over); in-flight calls
   * get up to drainTimeoutMs to finish and have their answers flushed; then streams end and the server closes,
   * forcibly for whatever is left.
   */
  async stop(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'draining') return;
    if (this.#state === 'new') {
      this.#state = 'stopped';
      this.#server.forceShutdown();
      return;
    }
    this.#state = 'draining';
    this.health.setAll(false);
    const drainTimeoutMs = options.drainTimeoutMs ?? this.#options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    const drained = await this.#inFlight.whenIdle(drainTimeoutMs);
    if (!drained) log.warn({ inFlight: this.#inFlight.count }, 'drain timed out; closing with calls in flight');
    // Answers of the calls that just finished are still queued for this turn: end() flushes them first.
    for (const stream of this.#streams) stream.end();
    this.health.endWatches();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, 1_000);
      this.#server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    this.#state = 'stopped';
  }

  inFlight(): number {
    return this.#inFlight.count;
  }

  /** Whether mux streams are answered on HTTP/2 directly (true) or through grpc-js; for tests and diagnostics. */
  get muxRouted(): boolean {
    return this.#muxRouted;
  }

  #serveMux(call: MuxServerCall, stream: { once(event: 'close', listener: () => void): unknown }): void {
    const served = new MuxServerStream(call, this.#ctx);
    this.#streams.add(served);
    stream.once('close', () => this.#streams.delete(served));
  }
}
