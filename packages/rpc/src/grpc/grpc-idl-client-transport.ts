import { type ChannelCredentials, type ChannelOptions, Client, Metadata, type MethodDefinition } from '@grpc/grpc-js';
import { StagesError } from '@stages/common';
import type { ProviderInstance } from '@stages/registry';
import type { ClientTransport, OutgoingCall } from '../transport/transport.js';
import { clientChannelOptions } from './channel-options.js';
import { addressOf } from './grpc-client-transport.js';
import { DEFAULT_MAX_MESSAGE_BYTES, type KeepaliveOptions, type TlsClientOptions } from './options.js';
import { loadProtoService } from './proto.js';
import { fromGrpcError } from './status.js';
import { clientCredentials } from './tls.js';

export interface GrpcIdlClientTransportOptions {
  /** Stages service name -> the .proto file and fully qualified service in it. */
  readonly protos?: Readonly<Record<string, { readonly file: string; readonly service: string }>>;
  readonly tls?: TlsClientOptions;
  readonly maxMessageBytes?: number;
  readonly keepalive?: KeepaliveOptions;
  readonly grpcOptions?: ChannelOptions;
}

interface IdlChannel {
  readonly client: Client;
  active: number;
  releasing: boolean;
}

/**
 * Client side of IDL mode (protocol `grpc-idl`): plain unary gRPC calls encoded with the service's .proto, exactly
 * what any gRPC client would send, so a Stages consumer can also call a provider written in another language.
 */
export class GrpcIdlClientTransport implements ClientTransport {
  readonly protocol: string = 'grpc-idl';
  readonly #protos = new Map<string, { readonly file: string; readonly service: string }>();
  readonly #methods = new Map<string, MethodDefinition<unknown, unknown>>();
  readonly #channels = new Map<string, IdlChannel>();
  readonly #credentials: ChannelCredentials;
  readonly #channelOptions: ChannelOptions;

  constructor(options: GrpcIdlClientTransportOptions = {}) {
    for (const [service, proto] of Object.entries(options.protos ?? {})) this.#protos.set(service, proto);
    this.#credentials = clientCredentials(options.tls);
    this.#channelOptions = clientChannelOptions(
      options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      options.keepalive,
      options.tls,
      options.grpcOptions,
    );
  }

  /** Teaches the transport a service's .proto (core does this from the consumer's descriptor). */
  addProto(service: string, proto: { readonly file: string; readonly service: string }): void {
    this.#protos.set(service, proto);
  }

  invoke(provider: ProviderInstance, call: OutgoingCall): Promise<unknown> {
    let method: MethodDefinition<unknown, unknown>;
    try {
      method = this.#method(call.service, call.method);
    } catch (error) {
      return Promise.reject(error);
    }
    const address = addressOf(provider);
    let channel = this.#channels.get(address);
    if (channel === undefined) {
      channel = { client: new Client(address, this.#credentials, this.#channelOptions), active: 0, releasing: false };
      this.#channels.set(address, channel);
    }
    channel.releasing = false;
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(call.metadata)) metadata.set(key, value);
    const ch = channel;
    ch.active++;
    return new Promise((resolve, reject) => {
      const unary = ch.client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        call.payload ?? {},
        metadata,
        Number.isFinite(call.deadline) ? { deadline: call.deadline } : {},
        (error, response) => {
          call.signal?.removeEventListener('abort', onAbort);
          if (--ch.active === 0 && ch.releasing) this.#closeChannel(address, ch);
          if (error) reject(fromGrpcError(error, address));
          else resolve(response);
        },
      );
      const onAbort = () => unary.cancel();
      call.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(provider: ProviderInstance): void {
    const address = addressOf(provider);
    const channel = this.#channels.get(address);
    if (channel === undefined) return;
    channel.releasing = true;
    if (channel.active === 0) this.#closeChannel(address, channel);
  }

  async close(): Promise<void> {
    for (const [address, channel] of [...this.#channels]) this.#closeChannel(address, channel);
  }

  #closeChannel(address: string, channel: IdlChannel): void {
    channel.client.close();
    if (this.#channels.get(address) === channel) this.#channels.delete(address);
  }

  #method(service: string, name: string): MethodDefinition<unknown, unknown> {
    const key = `${service}/${name}`;
    const cached = this.#methods.get(key);
    if (cached !== undefined) return cached;
    const proto = this.#protos.get(service);
    if (proto === undefined) {
      throw new StagesError(
        'CONFIG_INVALID',
        `no .proto known for ${service}: pass it in options.protos or addProto()`,
      );
    }
    const definition = loadProtoService(proto);
    const lower = name.toLowerCase();
    const found = Object.entries(definition).find(
      ([protoName, m]) => protoName.toLowerCase() === lower || m.originalName?.toLowerCase() === lower,
    )?.[1];
    if (found === undefined || found.requestStream || found.responseStream) {
      throw new StagesError('UNIMPLEMENTED', `${proto.service} in ${proto.file} has no unary method ${name}`);
    }
    this.#methods.set(key, found);
    return found;
  }
}
