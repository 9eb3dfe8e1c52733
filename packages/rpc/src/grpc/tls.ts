import { ChannelCredentials, credentials, ServerCredentials } from '@grpc/grpc-js';
import { StagesError } from '@stages/common';
import type { TlsClientOptions, TlsServerOptions } from './options.js';

const buf = (value: string | Buffer): Buffer => (typeof value === 'string' ? Buffer.from(value) : value);

export function serverCredentials(tls: TlsServerOptions | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  if (!tls.cert || !tls.key) throw new StagesError('CONFIG_INVALID', 'tls.cert and tls.key are both required');
  if (tls.requireClientCert && !tls.ca) {
    throw new StagesError('CONFIG_INVALID', 'tls.requireClientCert needs tls.ca to verify client certificates');
  }
  return ServerCredentials.createSsl(
    tls.ca === undefined ? null : buf(tls.ca),
    [{ cert_chain: buf(tls.cert), private_key: buf(tls.key) }],
    tls.requireClientCert ?? false,
  );
}

export function clientCredentials(tls: TlsClientOptions | undefined): ChannelCredentials {
  if (tls === undefined) return credentials.createInsecure();
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new StagesError('CONFIG_INVALID', 'tls.cert and tls.key go together (mutual TLS)');
  }
  return credentials.createSsl(
    tls.ca === undefined ? null : buf(tls.ca),
    tls.key === undefined ? null : buf(tls.key),
    tls.cert === undefined ? null : buf(tls.cert),
  );
}
