/**
 * One server for bench/rpc/latency.ts. KIND=stages (GrpcServerTransport), moleculer (TCP transporter; PORT and
 * URLS given), h2 (a bare HTTP/2 server answering gRPC-framed mux requests), tcp (a bare TCP server answering
 * length-prefixed ones). The bare two do the least work an answer can take: parse the frame array, write each
 * request's payload back as a result frame. Prints `listening <port>`.
 */
import { createServer as createH2Server } from 'node:http2';
import { createServer as createTcpServer } from 'node:net';

const KIND = process.env.KIND ?? 'stages';
process.on('SIGTERM', () => process.exit(0));

/** A message of request frames -> the message of result frames answering them. */
function answer(message: Buffer): Buffer {
  const frames = JSON.parse(message.toString('utf8')) as unknown[][];
  const results = frames.map((frame) => `[2,${frame[1] as number},${JSON.stringify(frame[6])}]`);
  return Buffer.from(`[${results.join(',')}]`);
}

/** Splits a byte stream into messages with a `prefix`-byte header whose last 4 bytes are the length. */
function messages(prefix: number, onMessage: (message: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer | undefined;
  return (chunk) => {
    let data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    while (data.length >= prefix) {
      const length = data.readUInt32BE(prefix - 4);
      if (data.length < prefix + length) break;
      onMessage(data.subarray(prefix, prefix + length));
      data = data.subarray(prefix + length);
    }
    pending = data.length > 0 ? data : undefined;
  };
}

function framed(prefix: number, body: Buffer): Buffer {
  const out = Buffer.alloc(prefix + body.length);
  out.writeUInt32BE(body.length, prefix - 4);
  body.copy(out, prefix);
  return out;
}

if (KIND === 'stages') {
  const { defineService } = await import('@stages/common');
  const { GrpcServerTransport } = await import('@stages/rpc');
  const server = new GrpcServerTransport();
  server.expose(defineService({ name: 'echo', handler: { echo: (request: unknown) => request }, methods: ['echo'] }));
  const { port } = await server.start();
  console.log(`listening ${port}`);
} else if (KIND === 'moleculer') {
  const { ServiceBroker } = await import('moleculer');
  const broker = new ServiceBroker({
    nodeID: 'latency-server',
    logger: false,
    transporter: {
      type: 'TCP',
      options: { udpDiscovery: false, port: Number(process.env.PORT), urls: process.env.URLS },
    },
  });
  broker.createService({ name: 'echo', actions: { echo: (ctx: { params: unknown }) => ctx.params } });
  await broker.start();
  console.log(`listening ${process.env.PORT}`);
} else if (KIND === 'h2') {
  const server = createH2Server();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
    stream.on(
      'data',
      messages(5, (message) => stream.write(framed(5, answer(message)))),
    );
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as { port: number }).port}`));
} else if (KIND === 'tcp') {
  const server = createTcpServer((socket) => {
    socket.setNoDelay(true);
    socket.on(
      'data',
      messages(4, (message) => socket.write(framed(4, answer(message)))),
    );
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as { port: number }).port}`));
} else {
  throw new Error(`unknown KIND ${KIND}`);
}
