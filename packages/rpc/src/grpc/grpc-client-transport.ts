import type { ChannelOptions } from '@grpc/grpc-js';
import type { ProviderInstance } from '@stages/registry';
import type { ClientTransport, OutgoingCall } from '../transport/transport.js';
import { clientChannelOptions } from './channel-options.js';
import { ClientMetrics } from './client-metrics.js';
import { DEFAULT_FRAMES_PER_MESSAGE } from './frame-batcher.js';
import { MuxChannel, type MuxChannelOptions } from './mux-channel.js';
import { DEFAULT_MAX_MESSAGE_BYTES, type KeepaliveOptions, type TlsClientOptions } from './options.js';
import { clientCredentials } from './tls.js';

export interface GrpcClientTransportOptions {
  readonly tls?: TlsClientOptions;
  /** Must not exceed the providers' limit; a bigger single call fails here with PAYLOAD_TOO_LARGE. */
  readonly maxMessageBytes?: number;
  readonly keepalive?: KeepaliveOptions;
  /** Mux streams per provider (default 2): more spreads HTTP/2 flow control, fewer batches better. */
  readonly streamsPerProvider?: number;
  /** Calls in flight on one stream (default 1024); more wait for a slot, their deadline running. */
  readonly maxInFlightPerStream?: number;
  /** Most requests per message (default 32); below that, what the load calls for (framesWanted). See FrameBatcher. */
  readonly framesPerMessage?: number;
  readonly grpcOptions?: ChannelOptions;
}

/**
 * Client side of the Stages-to-Stages mode (protocol `grpc`): one channel per provider address, reused by every
 * call to it (whatever the service), reference-counted by the provider records using it, carrying calls over a few
 * multiplexed streams. Errors are StagesErrors with the code the provider
 * raised; a broken connection is a retryable UNAVAILABLE, so the cluster can fail over.
 */
export class GrpcClientTransport implements ClientTransport {
  readonly protocol: string = 'grpc';
  readonly #channels = new Map<string, MuxChannel>();
  readonly #byProvider = new WeakMap<ProviderInstance, MuxChannel>();
  readonly #channelOptions: MuxChannelOptions;

  constructor(options: GrpcClientTransportOptions = {}) {
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#channelOptions = {
      credentials: clientCredentials(options.tls),
      channelOptions: clientChannelOptions(maxMessageBytes, options.keepalive, options.tls, options.grpcOptions),
      tls: options.tls,
      keepalive: options.keepalive,
      maxMessageBytes,
      framesPerMessage: Math.max(1, options.framesPerMessage ?? DEFAULT_FRAMES_PER_MESSAGE),
      streams: Math.max(1, options.streamsPerProvider ?? 2),
      maxInFlightPerStream: Math.max(1, options.maxInFlightPerStream ?? 1024),
      metrics: new ClientMetrics(),
    };
  }

  invoke(provider: ProviderInstance, call: OutgoingCall): Promise<unknown> {
    // Provider records are long-lived objects from the registry: remembering their channel saves building the
    // address string and a map lookup on every call.
    let channel = this.#byProvider.get(provider);
    if (channel === undefined || channel.closed) {
      channel = this.#channel(provider);
      this.#byProvider.set(provider, channel);
    }
    channel.hold(provider);
    return channel.invoke(call);
  }

  /**
   * One provider record (service + id) left: drops its reference on the channel to its address. Other services
   * served at the same address keep the channel; the last reference closes it after its in-flight calls end.
   */
  release(provider: ProviderInstance): void {
    this.#channels.get(addressOf(provider))?.release(provider);
  }

  async close(): Promise<void> {
    for (const channel of [...this.#channels.values()]) channel.close();
    this.#channels.clear();
  }

  /** Open channels (one per provider address), for tests and diagnostics. */
  channels(): number {
    return this.#channels.size;
  }

  #channel(provider: ProviderInstance): MuxChannel {
    const address = addressOf(provider);
    let channel = this.#channels.get(address);
    if (channel === undefined) {
      channel = new MuxChannel(address, this.#channelOptions, () => {
        if (this.#channels.get(address) === channel) this.#channels.delete(address);
      });
      this.#channels.set(address, channel);
    }
    return channel;
  }
}

export function addressOf(provider: { readonly host: string; readonly port: number }): string {
  return provider.host.includes(':') ? `[${provider.host}]:${provider.port}` : `${provider.host}:${provider.port}`;
}
