import { connect } from 'node:net';

/**
 * Sends `payload` and collects the reply until the peer closes or `complete` says the reply is whole.
 * Every probe has a timeout: a ZooKeeper probe sent during start-up was once never answered.
 */
export function tcpRequest(
  port: number,
  payload: string,
  { timeoutMs = 1000, complete }: { timeoutMs?: number; complete?: (reply: string) => boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply from 127.0.0.1:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(payload));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (complete?.(reply)) finish();
    });
    socket.once('end', finish);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
