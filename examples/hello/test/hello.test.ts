import { startProcess } from '@stages/test-harness';
import { describe, expect, it } from 'vitest';

describe('examples/hello', () => {
  it('prints a greeting made by two services, serves health, and stops on SIGTERM', async () => {
    const p = await startProcess({
      args: ['examples/hello/main.ts', 'Ada'],
      env: { STAGES_LOG_LEVEL: 'warn' },
      ready: /health: (http:\S+)\/health\/ready/,
    });
    try {
      expect(p.output()).toMatch(/Hello, Ada! It is \d{4}-\d\d-\d\dT/);
      const base = p.output().match(/health: (http:\S+)\/health\/ready/)![1];
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ready: true });
    } finally {
      expect(await p.stop()).toMatchObject({ code: 0 });
    }
  });
});
