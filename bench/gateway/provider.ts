/** The catalog service for bench/gateway/throughput.ts, in its own process: prints `listening <port>`. */
import { defineService } from '@stages/common';
import { GrpcServerTransport } from '@stages/rpc';

const server = new GrpcServerTransport({ port: 0 });
server.expose(
  defineService({
    name: 'catalog',
    handler: { getProduct: (req: { id: string }) => ({ id: req.id, name: `product ${req.id}`, price: 1999 }) },
    methods: [{ name: 'getProduct', idempotent: true }],
  }),
);
const { port } = await server.start();
console.log(`listening ${port}`);
process.on('SIGTERM', async () => {
  await server.stop({ drainTimeoutMs: 500 });
  process.exit(0);
});
