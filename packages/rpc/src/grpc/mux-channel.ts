import type { ClientHttp2Session } from 'node:http2';
import { type ChannelCredentials, type ChannelOptions, Client, Metadata, status } from '@grpc/grpc-js';
import { createLogger, StagesError } from '@stages/common';
import type { OutgoingCall } from '../transport/transport.js';
import type { ClientMetrics } from './client-metrics.js';
import { decodeMessage, ERROR, encodeRequest, RESULT } from './framing.js';
import type { StreamStatus } from './grpc-h2-stream.js';
import { H2Connection } from './h2-connection.js';
import { identity, MUX_CALL_PATH } from './mux-service.js';
import { MuxStream, type MuxStreamOwner } from './mux-stream.js';
import type { KeepaliveOptions, TlsClientOptions } from './options.js';
import { PendingCall } from './pending-call.js';
import { fromGrpcError } from './status.js';

export interface MuxChannelOptions {
  /** For the unary fallback, which runs on a grpc-js channel. */
  readonly credentials: ChannelCredentials;
  readonly channelOptions: ChannelOptions;
  readonly tls: TlsClientOptions | undefined;
  readonly keepalive: KeepaliveOptions | undefined;
  readonly maxMessageBytes: number;
  readonly framesPerMessage: number;
  readonly streams: number;
  readonly maxInFlightPerStream: number;
  readonly metrics: ClientMetrics;
}

const log = createLogger('rpc.grpc.client');

/**
 * Everything the client holds for one provider address: one HTTP/2 connection (H2Connection) and a small pool of
 * mux streams on it, opened lazily (GrpcH2Stream says why they are not grpc-js calls). Calls beyond the per-stream
 * in-flight bound wait here (backpressure), with their deadline already running. A provider that turns out not to
 * speak the mux gets unary `stages.Mux/Call` over a grpc-js channel.
 *
 * Until the server's HTTP/2 settings have arrived, request frames wait here rather than in the session, so that
 * their timeout is computed when they are written (a cold connection can take a good part of a deadline to come
 * up).
 *
 * Several services can be served at one address, so the channel is shared: each provider record (service + id)
 * using it holds a reference, and release() drops one. The channel closes when the last one goes and its calls
 * have ended.
 */
export class MuxChannel implements MuxStreamOwner {
  readonly address: string;
  readonly maxMessageBytes: number;
  readonly framesPerMessage: number;
  readonly #connection: H2Connection;
  /** grpc-js channel for the unary fallback, made only for a provider that does not speak the mux. */
  #client: Client | undefined;
  readonly #options: MuxChannelOptions;
  readonly #streams: MuxStream[] = [];
  readonly #waiting: PendingCall[] = [];
  #unaryOnly = false;
  #active = 0;
  #releasing = false;
  #closed = false;
  /** The provider records (service + id) using this channel. */
  readonly #holders = new Set<string>();
  /** The last provider object that took a reference: the common case skips building its key per call. */
  #lastHolder: object | undefined;
  readonly onClosed: () => void;

  constructor(address: string, options: MuxChannelOptions, onClosed: () => void) {
    this.address = address;
    this.#options = options;
    this.maxMessageBytes = options.maxMessageBytes;
    this.framesPerMessage = options.framesPerMessage;
    this.onClosed = onClosed;
    this.#connection = new H2Connection(address, options, () => {
      for (const stream of this.#streams) stream.flush();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Calls not yet settled. */
  get active(): number {
    return this.#active;
  }

  /** Takes a reference for a provider record (idempotent per record); undoes a pending release. */
  hold(provider: { readonly service: string; readonly id: string }): void {
    if (this.#lastHolder === provider) return;
    this.#holders.add(holderKey(provider));
    this.#lastHolder = provider;
    this.#releasing = false;
  }

  /** Provider records holding a reference, for tests and diagnostics. */
  get holders(): number {
    return this.#holders.size;
  }

  invoke(call: OutgoingCall): Promise<unknown> {
    if (this.#closed) return Promise.reject(new StagesError('UNAVAILABLE', `channel to ${this.address} is closed`));
    return new Promise((resolve, reject) => {
      const pending = new PendingCall(call, resolve, reject);
      this.#active++;
      if (Number.isFinite(call.deadline)) {
        const remaining = call.deadline - Date.now();
        if (remaining <= 0) {
          this.settle(pending, this.#deadlineError(pending));
          return;
        }
        pending.timer = setTimeout(() => this.#giveUp(pending, this.#deadlineError(pending)), remaining);
      }
      const signal = call.signal;
      if (signal !== undefined) {
        if (signal.aborted) {
          this.settle(pending, cancelledError(pending));
          return;
        }
        pending.onAbort = () => this.#giveUp(pending, cancelledError(pending));
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.#dispatch(pending);
    });
  }

  /**
   * Drops the reference of one provider record (it left the registry). When none is left, closes once the calls in
   * flight have ended. Without a record, drops every reference.
   */
  release(provider?: { readonly service: string; readonly id: string }): void {
    if (provider === undefined) this.#holders.clear();
    else this.#holders.delete(holderKey(provider));
    this.#lastHolder = undefined;
    if (this.#holders.size > 0) return;
    this.#releasing = true;
    if (this.#active === 0) this.close();
  }

  /** Whether the connection is up; when it comes up, the streams are flushed. */
  connected(): boolean {
    return this.#connection.ready;
  }

  expired(pending: PendingCall): void {
    this.settle(pending, this.#deadlineError(pending));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiting of this.#waiting.splice(0)) {
      this.settle(waiting, new StagesError('UNAVAILABLE', `channel to ${this.address} was closed`));
    }
    for (const stream of this.#streams) stream.end();
    // A graceful close lets started streams finish; they end as soon as the server has answered their calls.
    this.#connection.close();
    this.#client?.close();
    this.onClosed();
  }

  settle(pending: PendingCall, error: StagesError | undefined, value?: unknown): void {
    if (pending.done) return;
    pending.done = true;
    this.#active--;
    clearTimeout(pending.timer);
    if (pending.onAbort !== undefined) pending.call.signal?.removeEventListener('abort', pending.onAbort);
    if (error === undefined) pending.resolve(value);
    else pending.reject(error);
    if (this.#waiting.length > 0) this.#pump();
    if (this.#releasing && this.#active === 0) this.close();
  }

  streamClosed(stream: MuxStream, closed: StreamStatus, pending: PendingCall[], answered: boolean): void {
    const index = this.#streams.indexOf(stream);
    if (index >= 0) this.#streams.splice(index, 1);
    if (closed.code === status.UNIMPLEMENTED && !answered) {
      // The provider does not know stages.Mux/Stream: nothing was served, so every call is re-sent as unary.
      if (!this.#unaryOnly) {
        this.#unaryOnly = true;
        this.#options.metrics.unaryFallbacks.add(1);
        log.info({ address: this.address }, 'provider does not speak the mux stream; using unary calls');
      }
      for (const call of pending) {
        call.stream = undefined;
        this.#dispatch(call);
      }
      for (const call of this.#waiting.splice(0)) this.#dispatch(call);
      return;
    }
    if (pending.length === 0) return;
    this.#options.metrics.streamsBroken.add(1);
    const why = `stream to ${this.address} ended (${status[closed.code] ?? closed.code}: ${closed.details})`;
    if (closed.code === status.RESOURCE_EXHAUSTED) {
      // The provider refused a message over its size limit (it allows less than this client): the batch is lost,
      // and retrying it elsewhere would only fail again.
      for (const call of pending) {
        this.settle(call, new StagesError('PAYLOAD_TOO_LARGE', `${this.address} refused a message: ${closed.details}`));
      }
      return;
    }
    for (const call of pending) {
      // Retryable: the cluster may fail over; whether a non-idempotent call ran is unknown, and it decides.
      this.settle(call, new StagesError('UNAVAILABLE', `${why} during ${call.call.service}/${call.call.method}`));
    }
  }

  idle(): boolean {
    return this.#active === 1;
  }

  flushed(frames: number): void {
    this.#options.metrics.framesPerMessage.record(frames);
  }

  #dispatch(pending: PendingCall): void {
    if (pending.done) return;
    if (this.#unaryOnly) {
      this.#unary(pending);
      return;
    }
    const session = this.#connection.session();
    if (session === undefined) {
      // The last dial failed moments ago: fail now (the cluster fails over) rather than queue on a dead address.
      this.settle(
        pending,
        new StagesError('UNAVAILABLE', `${this.address} is unreachable (${this.#connection.why()})`),
      );
      return;
    }
    const stream = this.#pickStream(session);
    if (stream === undefined) this.#waiting.push(pending);
    else stream.send(pending);
  }

  /** The least loaded open stream under the bound; a new one while the pool has room and all are busy. */
  #pickStream(session: ClientHttp2Session): MuxStream | undefined {
    let best: MuxStream | undefined;
    for (let i = 0; i < this.#streams.length; i++) {
      const stream = this.#streams[i]!;
      if (stream.session !== session) {
        // Its connection is going away (GOAWAY) or gone: it answers what it carries, and takes nothing new.
        this.#streams.splice(i--, 1);
        stream.end();
        continue;
      }
      if (!stream.closed && (best === undefined || stream.load < best.load)) best = stream;
    }
    if ((best === undefined || best.load > 0) && this.#streams.length < this.#options.streams) {
      best = new MuxStream(session, this);
      this.#streams.push(best);
      this.#options.metrics.streamsOpened.add(1);
    }
    return best !== undefined && best.load < this.#options.maxInFlightPerStream ? best : undefined;
  }

  #pump(): void {
    while (this.#waiting.length > 0) {
      const session = this.#connection.session();
      if (session === undefined) return;
      const stream = this.#pickStream(session);
      if (stream === undefined) return;
      const next = this.#waiting.shift()!;
      if (!next.done) stream.send(next);
    }
  }

  #giveUp(pending: PendingCall, error: StagesError): void {
    if (pending.done) return;
    if (pending.stream !== undefined) pending.stream.cancel(pending);
    else if (pending.unary !== undefined) pending.unary.cancel();
    else {
      const index = this.#waiting.indexOf(pending);
      if (index >= 0) this.#waiting.splice(index, 1);
    }
    this.settle(pending, error);
  }

  #unary(pending: PendingCall): void {
    const { call } = pending;
    let frame: Buffer;
    try {
      const timeoutMs = Number.isFinite(call.deadline) ? Math.max(1, Math.floor(call.deadline - Date.now())) : 0;
      frame = Buffer.from(encodeRequest(0, call.service, call.method, timeoutMs, call.metadata, call.payload));
    } catch (error) {
      this.settle(pending, new StagesError('INVALID_ARGUMENT', 'request cannot be serialised', { cause: error }));
      return;
    }
    if (frame.length > this.maxMessageBytes) {
      this.settle(
        pending,
        new StagesError(
          'PAYLOAD_TOO_LARGE',
          `request is ${frame.length} bytes, over the ${this.maxMessageBytes} limit`,
        ),
      );
      return;
    }
    const options = Number.isFinite(call.deadline) ? { deadline: call.deadline } : {};
    this.#client ??= new Client(this.address, this.#options.credentials, this.#options.channelOptions);
    pending.unary = this.#client.makeUnaryRequest(
      MUX_CALL_PATH,
      identity,
      identity,
      frame,
      new Metadata(),
      options,
      (error, response) => {
        if (error) {
          this.settle(pending, fromGrpcError(error, this.address));
          return;
        }
        try {
          const answer = decodeMessage(response!);
          if (answer[0] === RESULT) this.settle(pending, undefined, answer[2]);
          else if (answer[0] === ERROR) this.settle(pending, StagesError.fromWire(answer[2]));
          else throw new TypeError('not an answer frame');
        } catch {
          this.settle(pending, new StagesError('INTERNAL', `malformed answer from ${this.address}`));
        }
      },
    );
  }

  #deadlineError(pending: PendingCall): StagesError {
    const { service, method } = pending.call;
    return new StagesError(
      'DEADLINE_EXCEEDED',
      `${service}/${method} on ${this.address} did not answer before its deadline`,
    );
  }
}

function holderKey(provider: { readonly service: string; readonly id: string }): string {
  return `${provider.service}\u0000${provider.id}`;
}

function cancelledError(pending: PendingCall): StagesError {
  return new StagesError('CANCELLED', `${pending.call.service}/${pending.call.method} was cancelled by the caller`);
}
