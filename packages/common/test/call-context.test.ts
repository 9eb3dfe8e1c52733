import { describe, expect, it } from 'vitest';
import { currentContext, minDeadline, remainingMs, runWithContext } from '../src/index.js';

describe('call context', () => {
  it('is undefined outside a call', () => {
    expect(currentContext()).toBeUndefined();
    expect(remainingMs()).toBeUndefined();
  });

  it('flows through awaits and into nested calls, and a child never outlives its parent', async () => {
    const now = Date.now();
    await runWithContext({ deadline: now + 1000, caller: 'user-1', tags: ['canary'] }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentContext()?.caller).toBe('user-1');
      await runWithContext({ deadline: now + 5000 }, async () => {
        expect(currentContext()?.deadline).toBe(now + 1000);
        expect(currentContext()?.tags).toEqual(['canary']);
        expect(currentContext()?.caller).toBe('user-1');
      });
      await runWithContext({ deadline: now + 10 }, async () => {
        expect(currentContext()?.deadline).toBe(now + 10);
        expect(remainingMs(now)).toBe(10);
      });
    });
  });

  it('picks the earlier deadline', () => {
    expect(minDeadline(undefined, 5)).toBe(5);
    expect(minDeadline(7, undefined)).toBe(7);
    expect(minDeadline(7, 5)).toBe(5);
    expect(minDeadline(undefined, undefined)).toBeUndefined();
  });
});
