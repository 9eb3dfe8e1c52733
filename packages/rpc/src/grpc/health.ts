import {
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';

/** grpc.health.v1.HealthCheckResponse.ServingStatus */
export const SERVING_STATUS = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } as const;

interface HealthRequest {
  service: string;
}
interface HealthResponse {
  status: number;
}

/**
 * The standard gRPC health service (grpc.health.v1.Health: Check and Watch), so grpc_health_probe, Kubernetes gRPC
 * probes and L4 balancers can ask. The two messages are one field each, so they are encoded by hand here rather
 * than shipping health.proto next to the compiled code.
 */
export class HealthService {
  readonly #statuses = new Map<string, number>();
  readonly #watchers = new Map<string, Set<ServerWritableStream<HealthRequest, HealthResponse>>>();

  /** '' is the whole server. Core flips a service (and '') to not serving when it starts draining. */
  setServing(service: string, serving: boolean): void {
    const value = serving ? SERVING_STATUS.SERVING : SERVING_STATUS.NOT_SERVING;
    if (this.#statuses.get(service) === value) return;
    this.#statuses.set(service, value);
    for (const watcher of this.#watchers.get(service) ?? []) watcher.write({ status: value });
  }

  setAll(serving: boolean): void {
    for (const service of this.#statuses.keys()) this.setServing(service, serving);
  }

  status(service: string): number | undefined {
    return this.#statuses.get(service);
  }

  /** Ends every Watch stream (they would otherwise hold a graceful shutdown open forever). */
  endWatches(): void {
    for (const set of this.#watchers.values()) for (const watcher of set) watcher.end();
    this.#watchers.clear();
  }

  readonly definition = {
    Check: {
      path: '/grpc.health.v1.Health/Check',
      requestStream: false,
      responseStream: false,
      requestSerialize: encodeRequest,
      requestDeserialize: decodeRequest,
      responseSerialize: encodeResponse,
      responseDeserialize: decodeResponse,
      originalName: 'check',
    },
    Watch: {
      path: '/grpc.health.v1.Health/Watch',
      requestStream: false,
      responseStream: true,
      requestSerialize: encodeRequest,
      requestDeserialize: decodeRequest,
      responseSerialize: encodeResponse,
      responseDeserialize: decodeResponse,
      originalName: 'watch',
    },
  } satisfies ServiceDefinition;

  readonly implementation: UntypedServiceImplementation = {
    Check: (call: ServerUnaryCall<HealthRequest, HealthResponse>, callback: sendUnaryData<HealthResponse>) => {
      const value = this.#statuses.get(call.request.service);
      if (value === undefined) callback({ code: status.NOT_FOUND, details: `unknown service ${call.request.service}` });
      else callback(null, { status: value });
    },
    Watch: (call: ServerWritableStream<HealthRequest, HealthResponse>) => {
      const service = call.request.service;
      call.write({ status: this.#statuses.get(service) ?? SERVING_STATUS.SERVICE_UNKNOWN });
      const set = this.#watchers.get(service) ?? new Set();
      this.#watchers.set(service, set);
      set.add(call);
      call.on('cancelled', () => set.delete(call));
    },
  };
}

// Protobuf by hand: field 1, wire type 2 (string) for the request; field 1, wire type 0 (enum) for the response.
export function encodeRequest(request: HealthRequest): Buffer {
  const body = Buffer.from(request.service ?? '', 'utf8');
  return Buffer.concat([Buffer.from([0x0a, ...varint(body.length)]), body]);
}

export function decodeRequest(bytes: Buffer): HealthRequest {
  let service = '';
  readFields(bytes, (field, value) => {
    if (field === 1 && Buffer.isBuffer(value)) service = value.toString('utf8');
  });
  return { service };
}

export function encodeResponse(response: HealthResponse): Buffer {
  return Buffer.from([0x08, ...varint(response.status)]);
}

export function decodeResponse(bytes: Buffer): HealthResponse {
  let value = 0;
  readFields(bytes, (field, v) => {
    if (field === 1 && typeof v === 'number') value = v;
  });
  return { status: value };
}

function varint(value: number): number[] {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  out.push(value);
  return out;
}

function readFields(bytes: Buffer, onField: (field: number, value: number | Buffer) => void): void {
  let pos = 0;
  const readVarint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[pos++];
      if (byte === undefined) throw new RangeError('truncated varint');
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
  };
  while (pos < bytes.length) {
    const tag = readVarint();
    const wire = tag & 7;
    if (wire === 0) onField(tag >>> 3, readVarint());
    else if (wire === 2) {
      const length = readVarint();
      onField(tag >>> 3, bytes.subarray(pos, pos + length));
      pos += length;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new RangeError(`unsupported wire type ${wire}`);
  }
}
