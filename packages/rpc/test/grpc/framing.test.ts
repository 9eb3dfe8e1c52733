import { describe, expect, it } from 'vitest';
import { FrameBatcher } from '../../src/grpc/frame-batcher.js';
import {
  decodeMessage,
  encodeCancel,
  encodeError,
  encodeRequest,
  encodeResult,
  frameId,
  requestHead,
  requestProblem,
  requestTail,
} from '../../src/grpc/framing.js';
import { decodeRequest, decodeResponse, encodeRequest as encodeHealth, encodeResponse } from '../../src/grpc/health.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function collector(max = 1024, frames = 1000) {
  const messages: unknown[][] = [];
  const batcher = new FrameBatcher((message) => messages.push(decodeMessage(message)), max, frames);
  return { messages, batcher };
}

describe('frames', () => {
  it('round-trip through one message: request, cancel, result, error', () => {
    const parts = [
      encodeRequest(1, 'orders', 'place', 250, { 'stages-caller': 'web' }, { id: 'é' }),
      encodeRequest(2, 'orders', 'get', 0, {}, undefined),
      encodeCancel(1),
      encodeResult(3, undefined),
      encodeError(4, { code: 'NOT_FOUND', message: 'no' }),
    ];
    const frames = decodeMessage(Buffer.from(`[${parts.join(',')}]`));
    expect(frames).toEqual([
      [0, 1, 'orders', 'place', 250, { 'stages-caller': 'web' }, { id: 'é' }],
      [0, 2, 'orders', 'get', 0, 0, null],
      [1, 1],
      [2, 3, null],
      [3, 4, { code: 'NOT_FOUND', message: 'no' }],
    ]);
    expect(frames.map(frameId)).toEqual([1, 2, 1, 3, 4]);
  });

  it('finds what is wrong with a malformed request frame', () => {
    expect(requestProblem([0, 1, 'a', 'b', 0, 0, null])).toBeUndefined();
    expect(requestProblem([0, 1, 5, 'b', 0, 0])).toMatch(/service/);
    expect(requestProblem([0, 1, 'a', 'b', -1, 0])).toMatch(/timeout/);
    expect(requestProblem([0, 1, 'a', 'b', 0, 'md'])).toMatch(/metadata/);
    expect(frameId({})).toBe(-1);
    expect(() => decodeMessage(Buffer.from('{"a":1}'))).toThrow(/array/);
  });
});

describe('FrameBatcher', () => {
  it('coalesces the frames of one event-loop turn into one message', async () => {
    const { messages, batcher } = collector();
    for (let i = 0; i < 50; i++) batcher.push(encodeResult(i, i));
    // Frames added from promise continuations of the same turn join the same message.
    await Promise.resolve().then(() => batcher.push(encodeResult(50, 50)));
    expect(messages).toHaveLength(0);
    await nextTurn();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toHaveLength(51);
    batcher.push(encodeResult(99, 'later'));
    await nextTurn();
    expect(messages).toHaveLength(2);
  });

  it('sends the first maxFrames frames at once, without waiting for the end of the turn', async () => {
    const { messages, batcher } = collector(1024, 4);
    for (let i = 0; i < 10; i++) batcher.push(encodeResult(i, i));
    expect(messages.map((m) => m.length)).toEqual([4, 4]);
    await nextTurn();
    expect(messages.map((m) => m.length)).toEqual([4, 4, 2]);
  });

  it('sends a frame that is alone at once, and batches it when others are queued', async () => {
    const { messages, batcher } = collector();
    batcher.push(encodeResult(1, 1), undefined, true);
    expect(messages).toEqual([[[2, 1, 1]]]);
    batcher.push(encodeResult(2, 2));
    batcher.push(encodeResult(3, 3), undefined, true);
    expect(messages).toHaveLength(1);
    await nextTurn();
    expect(messages[1]).toEqual([
      [2, 2, 2],
      [2, 3, 3],
    ]);
  });

  it('cuts a batch that would exceed the message size into several messages', async () => {
    const { messages, batcher } = collector(100);
    const frame = encodeResult(1, 'x'.repeat(30)); // ~38 bytes
    for (let i = 0; i < 6; i++) batcher.push(frame);
    await nextTurn();
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.flat()).toHaveLength(6);
    for (const m of messages) expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThanOrEqual(100);
  });
});

describe('late frames (rendered at write time)', () => {
  it('split a request around its timeout exactly as encodeRequest writes it', () => {
    const md = { 'stages-caller': 'web' };
    const payload = { id: 'é', f: () => 1 };
    expect(`${requestHead(7, 'orders', 'place')}250${requestTail(md, payload)}`).toBe(
      encodeRequest(7, 'orders', 'place', 250, md, payload),
    );
    expect(`${requestHead(8, 'a"b', 'get')}0${requestTail({}, undefined)}`).toBe(
      encodeRequest(8, 'a"b', 'get', 0, {}, undefined),
    );
    expect(() => requestTail({}, { n: 1n })).toThrow();
  });

  it('quotes service and method names the same however many pairs it has remembered', () => {
    // The quoted names are remembered per pair, with a bound: past it the memory starts over, never goes wrong.
    for (let i = 0; i < 2_500; i++) {
      const method = `m${i % 1_300}"\\`;
      expect(`${requestHead(i, 'svc', method)}1${requestTail({}, i)}`).toBe(encodeRequest(i, 'svc', method, 1, {}, i));
    }
  });

  it('holds frames while not writable, renders them when flushed, and drops those that decline', async () => {
    const messages: unknown[][] = [];
    let writable = false;
    let rendered = 0;
    const batcher = new FrameBatcher(
      (message) => messages.push(decodeMessage(message)),
      1024,
      1000,
      () => writable,
    );
    const late = (id: number, keep: boolean) => ({
      render: () => {
        rendered++;
        return keep ? encodeResult(id, rendered) : undefined;
      },
    });
    batcher.push(late(1, true), 20, true);
    batcher.push(late(2, false), 20);
    batcher.push(encodeCancel(3));
    await nextTurn();
    expect(messages).toEqual([]);
    expect(rendered).toBe(0);
    writable = true;
    batcher.flush();
    // Rendered in order, at flush time: the declining frame is left out, the others share one message.
    expect(messages).toEqual([
      [
        [2, 1, 1],
        [1, 3],
      ],
    ]);
    expect(rendered).toBe(2);
    batcher.push(late(4, false), 20, true);
    expect(messages).toHaveLength(1);
  });
});

describe('health messages (hand-encoded protobuf)', () => {
  it('round-trip and match the protobuf wire format', () => {
    expect(encodeHealth({ service: 'echo' })).toEqual(Buffer.from([0x0a, 4, ...Buffer.from('echo')]));
    expect(decodeRequest(encodeHealth({ service: 'orders.v1' }))).toEqual({ service: 'orders.v1' });
    expect(decodeRequest(Buffer.alloc(0))).toEqual({ service: '' });
    expect(decodeResponse(encodeResponse({ status: 2 }))).toEqual({ status: 2 });
    expect(() => decodeRequest(Buffer.from([0x0a, 0x80]))).toThrow();
  });
});
