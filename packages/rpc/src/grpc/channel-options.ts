import type { ChannelOptions } from '@grpc/grpc-js';
import { DEFAULT_KEEPALIVE, type KeepaliveOptions, type TlsClientOptions } from './options.js';

/** grpc-js options every Stages client channel gets. */
export function clientChannelOptions(
  maxMessageBytes: number,
  keepalive: KeepaliveOptions | undefined,
  tls: TlsClientOptions | undefined,
  extra: ChannelOptions | undefined,
): ChannelOptions {
  const k = { ...DEFAULT_KEEPALIVE, ...keepalive };
  return {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    'grpc.keepalive_time_ms': k.timeMs,
    'grpc.keepalive_timeout_ms': k.timeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    // Each channel owns its connection, so release() of one provider really closes it (the global pool would
    // keep it for whichever other channel dials the same address).
    'grpc.use_local_subchannel_pool': 1,
    // Channelz bookkeeping counts every message sent and received; nothing here reads it. grpcOptions can turn it on.
    'grpc.enable_channelz': 0,
    // grpc-js backs off reconnects up to 120 s by default, so a provider restarted on the same address would stay
    // unreachable long after it is back. Calls fail fast with UNAVAILABLE meanwhile, so retry soon.
    'grpc.initial_reconnect_backoff_ms': 250,
    'grpc.max_reconnect_backoff_ms': 2_000,
    ...(tls?.serverName ? { 'grpc.ssl_target_name_override': tls.serverName } : {}),
    ...extra,
  };
}
