import { describe, expect, it } from 'vitest';
import { createIdGenerator, Snowflake, StaticWorkerId } from '../src/index.js';

function clock(times: number[]) {
  let i = 0;
  return () => times[Math.min(i++, times.length - 1)] as number;
}

describe('snowflake ids', () => {
  it('packs time, worker and sequence and parses them back', () => {
    const t = Date.UTC(2026, 0, 1);
    const g = new Snowflake({ workerId: 5, now: clock([t, t, t + 1]) });
    const [a, b, c] = [g.next(), g.next(), g.next()];
    expect(g.parse(a)).toEqual({ timestampMs: t, workerId: 5, sequence: 0 });
    expect(g.parse(b)).toEqual({ timestampMs: t, workerId: 5, sequence: 1 });
    expect(g.parse(c.toString())).toEqual({ timestampMs: t + 1, workerId: 5, sequence: 0 });
    expect(a < b && b < c).toBe(true);
  });

  it('waits out a small backwards step and never repeats an id', () => {
    const t = Date.UTC(2026, 0, 1);
    const g = new Snowflake({ workerId: 1, now: clock([t + 5, t + 2, t + 3, t + 5, t + 6]) });
    const first = g.next();
    const second = g.next();
    expect(second > first).toBe(true);
    expect(g.parse(second).timestampMs).toBeGreaterThanOrEqual(t + 5);
  });

  it('refuses ids when the clock jumps back further than allowed', () => {
    const t = Date.UTC(2026, 0, 1);
    const g = new Snowflake({ workerId: 1, maxBackwardsMs: 10, now: clock([t + 1000, t]) });
    g.next();
    expect(() => g.next()).toThrow(expect.objectContaining({ code: 'CLOCK_MOVED_BACKWARDS', retryable: true }));
  });

  it('rolls to the next millisecond after 4096 ids in one', () => {
    const t = Date.UTC(2026, 0, 1);
    const times = [...new Array(4097).fill(t), t, t + 1];
    const g = new Snowflake({ workerId: 2, now: clock(times) });
    let last = 0n;
    for (let i = 0; i < 4097; i++) last = g.next();
    expect(g.parse(last)).toEqual({ timestampMs: t + 1, workerId: 2, sequence: 0 });
  });

  it('rejects an out-of-range worker id and stops when the id is lost', async () => {
    expect(() => new Snowflake({ workerId: 1024 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    const g = await createIdGenerator(new StaticWorkerId(7));
    expect(g.parse(g.next()).workerId).toBe(7);
    g.setWorkerId(undefined);
    expect(() => g.next()).toThrow(expect.objectContaining({ code: 'UNAVAILABLE' }));
  });
});
