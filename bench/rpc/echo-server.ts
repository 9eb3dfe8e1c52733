/**
 * The bench's server process. MODE=raw (plain grpc-js unary, the baseline), stages (GrpcServerTransport: mux
 * stream and IDL unary on one port), moleculer (a Moleculer 0.15 broker, TCP transporter). Prints `listening <port>`.
 */
import { fileURLToPath } from 'node:url';

const MODE = process.env.MODE ?? 'stages';
// Exit cleanly on SIGTERM so --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
const PROTO = fileURLToPath(new URL('./echo.proto', import.meta.url));
if (process.env.TELEMETRY === '1') (await import('./telemetry.js')).enableTelemetry();

if (MODE === 'raw') {
  const grpc = await import('@grpc/grpc-js');
  const loader = await import('@grpc/proto-loader');
  const pkg = grpc.loadPackageDefinition(loader.loadSync(PROTO)) as unknown as {
    bench: { Echo: { service: import('@grpc/grpc-js').ServiceDefinition } };
  };
  const server = new grpc.Server();
  server.addService(pkg.bench.Echo.service, {
    Echo: (call: { request: unknown }, callback: (e: null, r: unknown) => void) => callback(null, call.request),
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    console.log(`listening ${port}`);
  });
} else if (MODE === 'stages') {
  const { defineService } = await import('@stages/common');
  const { GrpcServerTransport } = await import('@stages/rpc');
  const server = new GrpcServerTransport(
    process.env.MUX_FRAMES ? { framesPerMessage: Number(process.env.MUX_FRAMES) } : {},
  );
  server.expose(
    defineService({
      name: 'echo',
      proto: { file: PROTO, service: 'bench.Echo' },
      handler: { echo: (request: unknown) => request },
      methods: ['echo'],
    }),
  );
  const { port } = await server.start();
  console.log(`listening ${port}`);
} else if (MODE === 'moleculer') {
  const { ServiceBroker } = await import('moleculer');
  const port = Number(process.env.PORT);
  const broker = new ServiceBroker({
    nodeID: 'bench-server',
    logger: false,
    transporter: { type: 'TCP', options: { udpDiscovery: false, port, urls: process.env.URLS } },
  });
  broker.createService({ name: 'echo', actions: { echo: (ctx: { params: unknown }) => ctx.params } });
  await broker.start();
  console.log(`listening ${port}`);
}
