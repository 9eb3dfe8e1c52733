import { describe, expect, it } from 'vitest';
import {
  codeFromGrpcStatus,
  ERROR_CODES,
  type ErrorCode,
  grpcStatusOf,
  httpStatusOf,
  StagesError,
} from '../src/index.js';

describe('StagesError', () => {
  it('carries a stable code and the retryable default of its row', () => {
    const err = new StagesError('UNAVAILABLE', 'provider gone');
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(new StagesError('NOT_FOUND', 'x').retryable).toBe(false);
    expect(StagesError.is(err)).toBe(true);
    expect(StagesError.is(err, 'NOT_FOUND')).toBe(false);
    expect(StagesError.is(new Error('plain'))).toBe(false);
  });

  it('round-trips over the wire with the same code, message and details, and no stack', () => {
    const err = new StagesError('INVALID_ARGUMENT', 'id: required', { details: { field: 'id' } });
    const wire = JSON.parse(JSON.stringify(err.toWire()));
    expect(wire).toEqual({ code: 'INVALID_ARGUMENT', message: 'id: required', details: { field: 'id' } });
    expect(JSON.stringify(wire)).not.toContain('at ');
    const back = StagesError.fromWire(wire);
    expect(back).toBeInstanceOf(StagesError);
    expect(back.code).toBe('INVALID_ARGUMENT');
    expect(back.message).toBe('id: required');
    expect(back.details).toEqual({ field: 'id' });
  });

  it('keeps an overridden retryable flag across the wire', () => {
    const wire = new StagesError('INTERNAL', 'transient', { retryable: true }).toWire();
    expect(StagesError.fromWire(wire).retryable).toBe(true);
  });

  it('turns junk from a peer into UNKNOWN instead of throwing', () => {
    expect(StagesError.fromWire('nonsense').code).toBe('UNKNOWN');
    expect(StagesError.fromWire({ code: 'NO_SUCH_CODE', message: 5 }).code).toBe('UNKNOWN');
    expect(StagesError.fromWire(null).message).toBe('malformed remote error');
  });

  it('hides the message of a non-Stages error, which may hold secrets', () => {
    const err = StagesError.from(new Error('password=hunter2 rejected'));
    expect(err.code).toBe('INTERNAL');
    expect(err.message).not.toContain('hunter2');
    expect(err.toWire().message).toBe('internal error');
  });
});

describe('error code table', () => {
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];

  it('maps each of gRPC 1..16 to the code of the same name and back', () => {
    const grpcNames = [
      'CANCELLED',
      'UNKNOWN',
      'INVALID_ARGUMENT',
      'DEADLINE_EXCEEDED',
      'NOT_FOUND',
      'ALREADY_EXISTS',
      'PERMISSION_DENIED',
      'RESOURCE_EXHAUSTED',
      'FAILED_PRECONDITION',
      'ABORTED',
      'OUT_OF_RANGE',
      'UNIMPLEMENTED',
      'INTERNAL',
      'UNAVAILABLE',
      'DATA_LOSS',
      'UNAUTHENTICATED',
    ] as const;
    grpcNames.forEach((name, i) => {
      expect(grpcStatusOf(name)).toBe(i + 1);
      expect(codeFromGrpcStatus(i + 1)).toBe(name);
    });
    expect(codeFromGrpcStatus(99)).toBe('UNKNOWN');
  });

  it('gives every code a valid gRPC status and an HTTP status', () => {
    for (const code of codes) {
      expect(grpcStatusOf(code)).toBeGreaterThanOrEqual(1);
      expect(grpcStatusOf(code)).toBeLessThanOrEqual(16);
      expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
      expect(httpStatusOf(code)).toBeLessThan(600);
    }
  });
});
