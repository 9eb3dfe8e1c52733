import type { Http2Server, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Server } from '@grpc/grpc-js';
import { MUX_STREAM_PATH } from './mux-service.js';

type StreamListener = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number) => void;

/** The parts of grpc-js's Server this reaches into (private in its types; grpc-js 1.14). */
interface GrpcServerInternals {
  readonly http2Servers?: unknown;
  onStreamOpened?: (stream: ServerHttp2Stream) => void;
}

/**
 * Sends `stages.Mux/Stream` calls straight to `onStream`, on the HTTP/2 servers grpc-js created, ahead of grpc-js's
 * own stream handler, which keeps serving every other path (IDL services, health, the unary fallback, a mux call
 * with compression). Call it after the server is bound.
 *
 * This reaches into grpc-js: its Server keeps its HTTP/2 servers in a private `http2Servers` map and serves their
 * streams from one 'stream' listener each. When this grpc-js does not look like that, nothing is changed and
 * grpc-js serves the mux stream as well (the same protocol, just with more work per message): the function says so
 * by returning false, and a test fails, so an upgrade that breaks it is noticed rather than silently slower.
 */
export function routeMuxStreams(server: Server, onStream: (stream: ServerHttp2Stream) => void): boolean {
  const internals = server as unknown as GrpcServerInternals;
  const servers = internals.http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) return false;
  const targets: [Http2Server, StreamListener][] = [];
  for (const http2Server of servers.keys() as IterableIterator<Http2Server>) {
    if (typeof http2Server?.listeners !== 'function') return false;
    const listeners = http2Server.listeners('stream') as StreamListener[];
    if (listeners.length !== 1) return false;
    targets.push([http2Server, listeners[0]!]);
  }
  // grpc-js counts a session's open streams for its idle timeout (grpc.max_connection_idle_ms).
  const opened = typeof internals.onStreamOpened === 'function' ? internals.onStreamOpened.bind(server) : undefined;
  for (const [http2Server, grpcListener] of targets) {
    http2Server.removeListener('stream', grpcListener);
    http2Server.on('stream', function (this: Http2Server, stream, headers, flags) {
      if (headers[':path'] === MUX_STREAM_PATH && isPlainGrpc(headers)) {
        opened?.(stream);
        onStream(stream);
      } else {
        grpcListener.call(this, stream, headers, flags);
      }
    } as StreamListener);
  }
  return true;
}

/** A gRPC request this route can answer: gRPC content, no message compression. */
function isPlainGrpc(headers: IncomingHttpHeaders): boolean {
  const type = headers['content-type'];
  const encoding = headers['grpc-encoding'];
  return (
    typeof type === 'string' &&
    type.startsWith('application/grpc') &&
    (encoding === undefined || encoding === 'identity')
  );
}
