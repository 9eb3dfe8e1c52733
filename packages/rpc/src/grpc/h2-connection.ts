import { type ClientHttp2Session, connect, type SecureClientSessionOptions } from 'node:http2';
import { createLogger } from '@stages/common';
import { DEFAULT_KEEPALIVE, type KeepaliveOptions, type TlsClientOptions } from './options.js';

export interface H2ConnectionOptions {
  readonly tls?: TlsClientOptions | undefined;
  readonly keepalive?: KeepaliveOptions | undefined;
}

/** Reconnect backoff after a failed dial, as grpc-js's channels here do (250 ms doubling to 2 s). */
const INITIAL_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 2_000;

const log = createLogger('rpc.grpc.client');

/**
 * The HTTP/2 connection the mux streams to one address run on, dialled on first use and again after it is lost.
 * It does for these streams what a grpc-js channel does for its calls: TLS, keepalive pings (a peer that vanished
 * without a FIN is noticed within keepalive time + timeout), a graceful GOAWAY lets running streams finish while
 * new ones go to a fresh connection, and after a failed dial it waits before dialling again (calls meanwhile fail
 * fast with UNAVAILABLE, so the cluster can fail over instead of queueing on a dead address).
 */
export class H2Connection {
  readonly address: string;
  readonly #options: H2ConnectionOptions;
  readonly #onReady: () => void;
  #session: ClientHttp2Session | undefined;
  #ready = false;
  #closed = false;
  #backoffMs = INITIAL_BACKOFF_MS;
  #retryAt = 0;
  #lastError = '';
  #keepalive: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;

  /** onReady runs each time a new connection comes up (frames waiting for it can be written then). */
  constructor(address: string, options: H2ConnectionOptions, onReady: () => void) {
    this.address = address;
    this.#options = options;
    this.#onReady = onReady;
  }

  /** True while a connection is up and takes new streams. */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * The session new streams go on: the current one, or a new dial. Undefined while a failed dial's backoff runs,
   * with `why()` saying what failed.
   */
  session(): ClientHttp2Session | undefined {
    if (this.#closed) return undefined;
    if (this.#session !== undefined) return this.#session;
    if (Date.now() < this.#retryAt) return undefined;
    return this.#dial();
  }

  /** Why there is no connection (the last dial's error). */
  why(): string {
    return this.#lastError || 'not connected';
  }

  /** Closes gracefully: streams running on it finish, no new ones start. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopKeepalive();
    this.#session?.close();
    this.#session = undefined;
    this.#ready = false;
  }

  #dial(): ClientHttp2Session {
    const tls = this.#options.tls;
    const authority = `${tls === undefined ? 'http' : 'https'}://${this.address}`;
    const session = connect(authority, {
      ...(tls === undefined ? {} : tlsOptions(tls)),
      // A message plus its prefix must fit in what a peer may send before the header list is even parsed; the
      // default 16 KiB frame is fine, the limits that matter are gRPC's message size and flow-control windows.
      settings: { enablePush: false, initialWindowSize: 1 << 20 },
      maxSessionMemory: 64,
    });
    this.#session = session;
    this.#ready = false;
    // Ready when the server's SETTINGS arrive, not when TCP connects: only then is an HTTP/2 server known to be
    // there (through a proxy, TCP can be up long before), and frames written earlier would start their timeout
    // too soon.
    session.once('remoteSettings', () => {
      if (this.#session !== session) return;
      this.#ready = true;
      this.#backoffMs = INITIAL_BACKOFF_MS;
      this.#lastError = '';
      // A bigger connection window than HTTP/2's 64 KiB default: many streams share it.
      session.setLocalWindowSize(8 << 20);
      this.#startKeepalive(session);
      this.#onReady();
    });
    session.on('error', (error: Error) => {
      this.#lastError = error.message;
      if (!this.#ready && this.#session === session) {
        this.#retryAt = Date.now() + this.#backoffMs;
        this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
        log.debug({ address: this.address, err: error.message }, 'connection failed; backing off');
      }
    });
    // The server is going away (graceful shutdown): streams on this session finish; new ones get a new dial.
    session.on('goaway', () => this.#forget(session));
    session.on('close', () => this.#forget(session));
    return session;
  }

  #forget(session: ClientHttp2Session): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    this.#ready = false;
    this.#stopKeepalive();
  }

  #startKeepalive(session: ClientHttp2Session): void {
    const k = { ...DEFAULT_KEEPALIVE, ...this.#options.keepalive };
    this.#stopKeepalive();
    this.#keepalive = setInterval(() => {
      if (this.#pingTimer !== undefined || session.destroyed) return;
      this.#pingTimer = setTimeout(() => {
        // No answer to a ping within the timeout: the peer is gone. Its streams fail now, not at TCP's timeout.
        log.warn({ address: this.address, timeoutMs: k.timeoutMs }, 'keepalive ping unanswered; dropping connection');
        this.#lastError = 'keepalive ping unanswered';
        session.destroy();
      }, k.timeoutMs);
      this.#pingTimer.unref();
      const sent = session.ping(() => {
        clearTimeout(this.#pingTimer);
        this.#pingTimer = undefined;
      });
      if (!sent) {
        clearTimeout(this.#pingTimer);
        this.#pingTimer = undefined;
      }
    }, k.timeMs);
    this.#keepalive.unref();
  }

  #stopKeepalive(): void {
    clearInterval(this.#keepalive);
    clearTimeout(this.#pingTimer);
    this.#keepalive = undefined;
    this.#pingTimer = undefined;
  }
}

function tlsOptions(tls: TlsClientOptions): SecureClientSessionOptions {
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert, key: tls.key }),
    ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
    ALPNProtocols: ['h2'],
  };
}
