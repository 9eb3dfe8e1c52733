export { InProcessTransport, type InProcessTransportOptions } from './inproc/in-process-transport.js';
export { CallCancellation } from './server/cancellation.js';
export { CALLER_KEY, TAGS_KEY } from './server/incoming-metadata.js';
export { type IncomingCall, ServerPipeline } from './server/pipeline.js';
export type { ClientTransport, OutgoingCall, ServerTransport } from './transport/transport.js';
