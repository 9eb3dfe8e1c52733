import { describe, expect, it } from 'vitest';
import { CallTable } from '../../src/grpc/call-table.js';
import { framesWanted } from '../../src/grpc/mux-stream.js';

describe('CallTable', () => {
  it('finds, counts and forgets calls by id', () => {
    const table = new CallTable<string>();
    for (let id = 1; id <= 100; id++) table.add(id, `call ${id}`);
    expect(table.size).toBe(100);
    expect(table.get(42)).toBe('call 42');
    expect(table.get(101)).toBeUndefined();
    expect(table.delete(42)).toBe(true);
    expect(table.delete(42)).toBe(false);
    expect(table.get(42)).toBeUndefined();
    expect(table.size).toBe(99);
    expect(table.values()).toHaveLength(99);
  });

  it('keeps a call whose slot is taken by one still in flight 4,096 ids earlier', () => {
    const table = new CallTable<string>();
    table.add(7, 'slow'); // still waiting when its slot comes round again
    table.add(7 + 4096, 'newer');
    table.add(7 + 8192, 'newest');
    expect(table.size).toBe(3);
    expect([table.get(7), table.get(7 + 4096), table.get(7 + 8192)]).toEqual(['slow', 'newer', 'newest']);
    expect(table.delete(7 + 4096)).toBe(true);
    expect(table.get(7 + 4096)).toBeUndefined();
    expect(table.get(7)).toBe('slow');
    expect(table.values().sort()).toEqual(['newest', 'slow']);
    expect(table.delete(7)).toBe(true);
    expect(table.size).toBe(1);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.get(7 + 8192)).toBeUndefined();
  });

  it('does not confuse a call with another id in the same slot, and replaces a repeated id', () => {
    const table = new CallTable<string>();
    table.add(5, 'a');
    expect(table.get(5 + 4096)).toBeUndefined();
    expect(table.delete(5 + 4096)).toBe(false);
    table.add(5, 'b'); // a peer that repeats an id gets the last call, as with a Map
    expect(table.size).toBe(1);
    expect(table.get(5)).toBe('b');
  });
});

describe('framesWanted', () => {
  it('sends half the calls per message while few are in flight and all of them when many are', () => {
    expect([1, 2, 8, 16].map(framesWanted)).toEqual([0, 1, 4, 8]);
    expect([17, 32, 128].map(framesWanted)).toEqual([17, 32, 128]);
  });
});
