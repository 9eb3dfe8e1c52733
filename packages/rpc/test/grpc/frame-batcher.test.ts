import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameBatcher, frameBytes } from '../../src/grpc/frame-batcher.js';

function recorder() {
  const messages: string[][] = [];
  const write = (message: Buffer) => messages.push(JSON.parse(message.toString('utf8')) as string[]);
  return { messages, write };
}

describe('FrameBatcher', () => {
  afterEach(() => vi.useRealTimers());

  it('sends a batch as soon as it reaches the size its owner wants, and the rest at the end of the turn', async () => {
    const { messages, write } = recorder();
    let wanted = 3;
    const batcher = new FrameBatcher(write, 1_000_000, 32, undefined, () => wanted);
    for (let i = 0; i < 7; i++) batcher.push(JSON.stringify(`f${i}`));
    expect(messages).toEqual([
      ['f0', 'f1', 'f2'],
      ['f3', 'f4', 'f5'],
    ]);
    wanted = 100; // above maxFrames: 32 bounds it
    for (let i = 7; i < 50; i++) batcher.push(JSON.stringify(`f${i}`));
    expect(messages.length).toBe(3);
    expect(messages[2]!.length).toBe(32); // f6 waited and went out with 31 more
    await new Promise((resolve) => setImmediate(resolve));
    expect(messages.length).toBe(4);
    expect(messages.flat()).toEqual(Array.from({ length: 50 }, (_, i) => `f${i}`));
  });

  it('sends every frame at once when the owner wants batches of one (or less)', () => {
    const { messages, write } = recorder();
    const batcher = new FrameBatcher(write, 1_000_000, 32, undefined, () => 0);
    batcher.push('"a"');
    batcher.push('"b"');
    expect(messages).toEqual([['a'], ['b']]);
  });

  it('cuts at maxFrames when the owner does not say', () => {
    const { messages, write } = recorder();
    const batcher = new FrameBatcher(write, 1_000_000, 4);
    for (let i = 0; i < 9; i++) batcher.push(String(i));
    expect(messages.map((m) => m.length)).toEqual([4, 4]);
    batcher.flush();
    expect(messages.map((m) => m.length)).toEqual([4, 4, 1]);
  });

  it('bounds a small frame by three bytes per character and counts a big one exactly', () => {
    expect(frameBytes('[0,1,', ',0,"é"]', 4, 4 * 1024 * 1024)).toBe((5 + 7) * 3 + 4);
    const big = 'é'.repeat(100_000);
    expect(frameBytes('[', big, 0, 1_000_000)).toBe(1 + 200_000);
  });
});
