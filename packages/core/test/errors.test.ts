import { readFileSync } from 'node:fs';
import * as core from '@stages/core';
import { describe, expect, it } from 'vitest';

const { ERROR_CODES, StagesError, codeFromGrpcStatus, grpcStatusOf, httpStatusOf } = core;
const page = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

describe('error codes', () => {
  const codes = Object.keys(ERROR_CODES) as core.ErrorCode[];

  it('exports the error type and every code from @stages/core', () => {
    expect(core.StagesError).toBeTypeOf('function');
    for (const code of codes) expect(core.isErrorCode(code)).toBe(true);
  });

  it.each(codes)('%s maps to a gRPC status and back, and survives the wire unchanged', (code) => {
    const status = grpcStatusOf(code);
    expect(status).toBeGreaterThanOrEqual(1);
    expect(status).toBeLessThanOrEqual(16);
    expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
    // The status alone lands on a code with the same status (gRPC's own name for it).
    expect(grpcStatusOf(codeFromGrpcStatus(status))).toBe(status);
    const back = StagesError.fromWire(JSON.parse(JSON.stringify(new StagesError(code, 'm').toWire())));
    expect(back).toMatchObject({ code, message: 'm' });
  });

  it.each(codes)('%s is documented in docs/errors.md with its statuses', (code) => {
    // Cells trimmed: a formatter may pad the table.
    const rows = page.split('\n').map((line) => line.split('|').map((cell) => cell.trim()));
    const row = rows.find((cells) => cells[1] === `\`${code}\``);
    expect(row, `docs/errors.md has no row for ${code}`).toBeDefined();
    expect(row?.[2]).toMatch(new RegExp(`^${grpcStatusOf(code)}\\b`));
    expect(row?.[3]).toBe(String(httpStatusOf(code)));
    expect(row?.[4]?.length).toBeGreaterThan(10);
  });
});
