import type { FastifyInstance } from 'fastify';

/**
 * Makes `app.close()` finish as soon as the requests in flight are answered. Fastify closes idle keep-alive
 * connections when closing starts, but a connection busy at that moment goes back to idle after its answer and
 * then waits out the keep-alive timeout (72 s) before close() resolves. Answers sent while closing therefore say
 * `Connection: close`, so the client and the server drop that connection right after it.
 */
export function closeWhenAnswered(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
}
