import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DataSource } from '../src/index.js';
import { ReplicaMonitor } from '../src/routing/replica-monitor.js';
import { parseLsn } from '../src/routing/wal-position.js';

// Pure logic of the WAL-based lag estimate, with datasources that answer from variables and a fake clock.
function fake(name: string, answer: () => string | Error): DataSource {
  return {
    name,
    dialect: 'postgres',
    async query<T>() {
      const value = answer();
      if (value instanceof Error) throw value;
      return [{ lsn: value }] as T[];
    },
    execute: async () => ({ rowCount: 0 }),
    transaction: async (fn) => fn(undefined as never),
    health: async () => {},
    close: async () => {},
  };
}

describe('replica monitor', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('measures lag as the age of the oldest primary position not yet replayed', async () => {
    let primary = '0/100';
    let replayed: string | Error = '0/100';
    const replica = fake('r1', () => replayed);
    const monitor = new ReplicaMonitor(
      fake('p', () => primary),
      [replica],
      { intervalMs: 1000, maxLagMs: 2500, healthTimeoutMs: 100 },
    );

    await monitor.check();
    expect(monitor.status()).toEqual([{ name: 'r1', healthy: true, lagMs: 0, replayLsn: '0/100' }]);

    // The primary moves on; the replica does not. Lag grows with the age of the first unreplayed position,
    // not with the idle time before it.
    primary = '0/200';
    vi.setSystemTime(2_000_000);
    await monitor.check();
    expect(monitor.status()[0]?.lagMs).toBe(0);
    primary = '0/300';
    vi.setSystemTime(2_002_000);
    await monitor.check();
    expect(monitor.status()[0]).toMatchObject({ healthy: true, lagMs: 2000 });
    vi.setSystemTime(2_003_000);
    await monitor.check();
    expect(monitor.status()[0]).toMatchObject({ healthy: false, lagMs: 3000, error: expect.stringMatching(/lagging/) });
    expect(monitor.healthy()).toEqual([]);

    // Replayed past the first sample but not the second: lag is measured from the second.
    replayed = '0/250';
    await monitor.check();
    expect(monitor.status()[0]).toMatchObject({ healthy: true, lagMs: 1000 });
    expect(monitor.caughtUp(parseLsn('0/250') as bigint)).toEqual([replica]);
    expect(monitor.caughtUp(parseLsn('0/251') as bigint)).toEqual([]);

    // Unreachable: out at once, back with the next good probe.
    replayed = new Error('connection refused');
    await monitor.check();
    expect(monitor.status()[0]).toMatchObject({ healthy: false, error: 'connection refused' });
    replayed = '0/300';
    await monitor.check();
    expect(monitor.status()[0]).toMatchObject({ healthy: true, lagMs: 0 });
    expect(monitor.healthy()).toEqual([replica]);
  });

  it('parses WAL positions into comparable numbers', () => {
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect((parseLsn('1/0') as bigint) > (parseLsn('0/FFFFFFFF') as bigint)).toBe(true);
    expect(parseLsn(null)).toBeUndefined();
  });
});
