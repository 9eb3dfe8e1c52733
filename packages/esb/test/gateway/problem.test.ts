import { StagesError } from '@stages/common';
import { describe, expect, it } from 'vitest';
import { bearerToken, JwtVerifier, toProblem } from '../../src/index.js';

describe('problem details', () => {
  it('carries the code, its HTTP status and details', () => {
    expect(toProblem(new StagesError('RATE_LIMITED', 'slow down', { details: { limit: 3 } }), '/x')).toEqual({
      type: 'urn:stages:error:RATE_LIMITED',
      title: 'Rate limited',
      status: 429,
      detail: 'slow down',
      code: 'RATE_LIMITED',
      instance: '/x',
      details: { limit: 3 },
    });
  });

  it('never sends the message of a foreign error (it may hold a connection string)', () => {
    const p = toProblem(new Error('connect postgres://admin:hunter2@db failed'));
    expect(p).toMatchObject({ status: 500, code: 'INTERNAL', detail: 'internal error' });
    expect(JSON.stringify(p)).not.toContain('hunter2');
  });
});

describe('jwt options', () => {
  it('needs exactly one key source', () => {
    expect(() => new JwtVerifier({})).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => new JwtVerifier({ secret: 's', jwksUrl: 'http://127.0.0.1/jwks' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('reads bearer tokens only', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
