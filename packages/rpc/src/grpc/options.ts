/** Server TLS from PEM contents (not paths: where certificates come from is the app's business). */
export interface TlsServerOptions {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** CA that signs client certificates; required with requireClientCert. */
  readonly ca?: string | Buffer;
  /** Mutual TLS: refuse clients without a certificate signed by `ca`. */
  readonly requireClientCert?: boolean;
}

/** Client TLS from PEM contents; cert and key only for mutual TLS. */
export interface TlsClientOptions {
  /** CA that signed the server's certificate; the system roots when absent. */
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Name to verify the server certificate against when it differs from the dialled host. */
  readonly serverName?: string;
}

export interface KeepaliveOptions {
  /** Ping an idle connection this often, so a peer that vanished without a FIN is noticed. */
  readonly timeMs?: number;
  /** How long a ping may go unanswered before the connection is dropped. */
  readonly timeoutMs?: number;
}

/** gRPC's own default; one frame batch never exceeds it, and a single bigger call fails with PAYLOAD_TOO_LARGE. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_KEEPALIVE: Required<KeepaliveOptions> = { timeMs: 30_000, timeoutMs: 10_000 };
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
