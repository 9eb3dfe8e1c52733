import { describe, expect, it } from 'vitest';
import { Gateway } from '../../src/index.js';

// A request in flight when close() begins used to leave its keep-alive connection open after the answer, and
// close() waited out the 72 s keep-alive timeout (this test timed out).
describe('Gateway close', () => {
  it('resolves as soon as a request in flight is answered', async () => {
    const gateway = await Gateway.create({
      routes: [{ method: 'GET', path: '/slow', service: 'slow', call: 'get' }],
      clients: { slow: { call: <T>() => new Promise<T>((r) => setTimeout(() => r({ ok: true } as T), 300)) } },
    });
    const { url } = await gateway.listen();
    const inFlight = fetch(`${url}/slow`);
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    await gateway.close();
    const closedAfterMs = performance.now() - started;
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ ok: true });
    expect(closedAfterMs).toBeLessThan(5_000);
  });
});
