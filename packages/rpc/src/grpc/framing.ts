import type { WireError } from '@stages/common';

/**
 * Stages-to-Stages frames. Each gRPC message on a `stages.Mux/Stream` is a JSON array of frames; a frame is a
 * small positional array, because object keys would be most of the bytes of a 100-byte call:
 *
 *   request  [0, id, service, method, timeoutMs | 0, metadata | 0, payload]
 *   cancel   [1, id]
 *   result   [2, id, payload]
 *   error    [3, id, { code, message, retryable?, details? }]
 *
 * The deadline travels as the time remaining, not an absolute time, so clock skew between hosts cannot expire
 * a call early (gRPC's own grpc-timeout header does the same). Like grpc-timeout, it is computed when the frame is
 * written, not when the call was queued: a frame that waited for a connection must not carry the budget it had
 * before waiting, or every hop would see a later deadline than its caller.
 */
export const REQUEST = 0;
export const CANCEL = 1;
export const RESULT = 2;
export const ERROR = 3;

export type RequestFrame = [
  typeof REQUEST,
  number,
  string,
  string,
  number,
  Readonly<Record<string, string>> | 0,
  unknown,
];
export type CancelFrame = [typeof CANCEL, number];
export type ResultFrame = [typeof RESULT, number, unknown];
export type ErrorFrame = [typeof ERROR, number, WireError];

export function encodeRequest(
  id: number,
  service: string,
  method: string,
  timeoutMs: number,
  metadata: Readonly<Record<string, string>>,
  payload: unknown,
): string {
  const md = hasKeys(metadata) ? metadata : 0;
  return JSON.stringify([REQUEST, id, service, method, timeoutMs, md, payload === undefined ? null : payload]);
}

/**
 * A request frame in two parts around its timeout, so the timeout can be filled in at write time:
 * `${head}${timeoutMs}${tail}` is exactly what encodeRequest returns. Throws what JSON.stringify throws.
 */
export function requestHead(id: number, service: string, method: string): string {
  return `[${REQUEST},${id},${quotedNames(service, method)}`;
}

/** `"service","method",` per pair, remembered: the same few pairs are quoted on every call. */
const quoted = new Map<string, Map<string, string>>();
const MAX_QUOTED = 1_024;
let quotedCount = 0;

function quotedNames(service: string, method: string): string {
  let methods = quoted.get(service);
  let text = methods?.get(method);
  if (text !== undefined) return text;
  text = `${JSON.stringify(service)},${JSON.stringify(method)},`;
  // Bounded: names come from code, but a caller building method names from data must not grow this forever.
  if (quotedCount >= MAX_QUOTED) {
    quoted.clear();
    quotedCount = 0;
    methods = undefined;
  }
  if (methods === undefined) {
    methods = new Map();
    quoted.set(service, methods);
  }
  methods.set(method, text);
  quotedCount++;
  return text;
}

export function requestTail(metadata: Readonly<Record<string, string>>, payload: unknown): string {
  const body = payload === undefined ? undefined : JSON.stringify(payload);
  return `,${hasKeys(metadata) ? JSON.stringify(metadata) : '0'},${body === undefined ? 'null' : body}]`;
}

export function encodeCancel(id: number): string {
  return `[${CANCEL},${id}]`;
}

export function encodeResult(id: number, payload: unknown): string {
  return `[${RESULT},${id},${payload === undefined ? 'null' : JSON.stringify(payload)}]`;
}

export function encodeError(id: number, error: WireError): string {
  return `[${ERROR},${id},${JSON.stringify(error)}]`;
}

/** One message -> its frames. Throws on anything that is not a JSON array; frames themselves are checked by users. */
export function decodeMessage(message: Buffer): unknown[] {
  const value: unknown = JSON.parse(message.toString('utf8'));
  if (!Array.isArray(value)) throw new TypeError('a message must be an array of frames');
  return value;
}

/** What is wrong with a request frame, or undefined when its shape is right. */
export function requestProblem(frame: unknown[]): string | undefined {
  if (typeof frame[2] !== 'string' || typeof frame[3] !== 'string') return 'service and method must be strings';
  if (typeof frame[4] !== 'number' || !(frame[4] >= 0)) return 'timeout must be a number of milliseconds';
  const md = frame[5];
  if (md !== 0 && (typeof md !== 'object' || md === null || Array.isArray(md))) return 'metadata must be an object';
  return undefined;
}

/** The call id a frame carries, or -1 when it has none (then nobody can be told it was malformed). */
export function frameId(frame: unknown): number {
  return Array.isArray(frame) && Number.isSafeInteger(frame[1]) ? (frame[1] as number) : -1;
}

function hasKeys(value: object): boolean {
  for (const _ in value) return true;
  return false;
}
