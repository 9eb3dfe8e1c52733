import { ERROR_CODES, type ErrorCode, isErrorCode } from './codes.js';

// Symbol.for, not Symbol(): two copies of the package in one process still recognise each other's errors.
const kStagesError: unique symbol = Symbol.for('stages.error');

export interface StagesErrorOptions {
  /** Whether trying again (on another provider, later) may succeed. Defaults from the code's row. */
  retryable?: boolean;
  /** Safe, serialisable facts for the caller. Never secrets: details cross the network. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The shape an error has on the wire: no stack, no cause, nothing the server did not mean to say. */
export interface WireError {
  code: ErrorCode;
  message: string;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

export class StagesError extends Error {
  override name = 'StagesError';
  readonly [kStagesError] = true;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: StagesErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.details = options.details;
  }

  static is(value: unknown, code?: ErrorCode): value is StagesError {
    const ok = typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kStagesError] === true;
    return ok && (code === undefined || (value as StagesError).code === code);
  }

  /** What may be sent to a remote caller. */
  toWire(): WireError {
    const wire: WireError = { code: this.code, message: this.message };
    if (this.retryable !== ERROR_CODES[this.code].retryable) wire.retryable = this.retryable;
    if (this.details !== undefined) wire.details = this.details;
    return wire;
  }

  /** Rebuilds an error received from a remote peer; junk becomes UNKNOWN rather than throwing. */
  static fromWire(value: unknown): StagesError {
    if (typeof value !== 'object' || value === null) return new StagesError('UNKNOWN', 'malformed remote error');
    const v = value as Partial<WireError>;
    const code = isErrorCode(v.code) ? v.code : 'UNKNOWN';
    const message = typeof v.message === 'string' ? v.message : 'remote error';
    const details = typeof v.details === 'object' && v.details !== null ? v.details : undefined;
    return new StagesError(code, message, {
      ...(typeof v.retryable === 'boolean' ? { retryable: v.retryable } : {}),
      ...(details ? { details } : {}),
    });
  }

  /**
   * Any thrown value as a StagesError. A non-Stages error becomes INTERNAL with a generic message,
   * because its message may hold secrets (a connection string, a SQL statement); the original is kept as cause
   * for local logs only.
   */
  static from(value: unknown, fallbackMessage = 'internal error'): StagesError {
    if (StagesError.is(value)) return value;
    return new StagesError('INTERNAL', fallbackMessage, { cause: value });
  }
}
