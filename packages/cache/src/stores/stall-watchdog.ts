import { createLogger } from '@stages/common';
import type { Redis } from 'ioredis';

const log = createLogger('cache.redis');

/**
 * Fails Redis commands fast when Redis stops answering (frozen, overloaded, a half-open TCP connection).
 *
 * Why not ioredis' `commandTimeout`: it arms a timer per command and `delete`s it from the command on reply;
 * on loopback that measured ~2 µs per GET, 10-20% of the whole round trip, on the level-2 hit path. This adds
 * nothing per command: a timer looks at ioredis' queue of sent-but-unanswered commands, and a socket 'data'
 * listener notes when bytes last arrived. The semantics differ slightly, on purpose: it fires when commands
 * are waiting and nothing at all has arrived for `timeoutMs` (one slow command among quick ones is not a
 * stall), and it then destroys the connection, so every waiting command fails at once (ioredis rejects them,
 * since maxRetriesPerRequest is 0) and ioredis reconnects by itself.
 *
 * Only for a connection that runs no blocking commands (BLPOP would look like a stall): the cache's own.
 */
export function watchStalls(client: Redis, timeoutMs: number): void {
  let lastProgress = Date.now();
  let warned = false;
  const progressed = () => {
    lastProgress = Date.now();
  };
  client.on('connect', () => {
    lastProgress = Date.now();
    client.stream.on('data', progressed);
  });
  const periodMs = Math.max(10, Math.floor(timeoutMs / 4));
  let lastTick = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const late = now - lastTick > 2 * periodMs;
    lastTick = now;
    if (client.commandQueue.length === 0) {
      lastProgress = now; // idle is not silence
      warned = false;
      return;
    }
    if (late) {
      // Our own event loop was blocked (GC, CPU work): timers run before socket reads, so replies may be
      // sitting unread. Blame Redis only for silence measured while we were able to listen.
      lastProgress = now;
      return;
    }
    if (now - lastProgress <= timeoutMs) return;
    // Once per outage: while Redis stays frozen, every reconnect's ready check stalls again.
    if (!warned)
      log.warn({ pending: client.commandQueue.length, timeoutMs }, 'Redis stopped answering: dropping the connection');
    warned = true;
    lastProgress = now; // one drop per stall; the reconnect's own commands get a fresh window
    // destroy(), not disconnect(): a graceful close waits for the peer's FIN, which a frozen Redis never sends
    // (ioredis would wait its disconnectTimeout, 2 s). 'close' makes ioredis fail the queue and reconnect.
    client.stream.destroy();
  }, periodMs);
  timer.unref();
  client.once('end', () => clearInterval(timer));
}
