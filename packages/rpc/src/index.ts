export type { ClientTransport, OutgoingCall, ServerTransport } from './transport/transport.js';
