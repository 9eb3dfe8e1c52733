import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '@stages/core';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'stages-core-config-'));

describe('AppConfig', () => {
  it('loads YAML, fills defaults, and lets STAGES__ environment variables override the file', async () => {
    const file = join(dir, 'stages.yaml');
    writeFileSync(file, 'app:\n  name: shop\nfeatures:\n  beta: false\nservices:\n  catalog:\n    maxConcurrency: 4\n');
    process.env.STAGES__DRAIN_TIMEOUT_MS = '2500';
    const config = await AppConfig.load(file);
    try {
      expect(config.current()).toMatchObject({
        app: { name: 'shop' },
        drainTimeoutMs: 2500,
        admin: { enabled: true, port: 0 },
        features: { beta: false },
        services: { catalog: { maxConcurrency: 4 } },
      });
    } finally {
      delete process.env.STAGES__DRAIN_TIMEOUT_MS;
      await config.close();
    }
  });

  it('names the offending field with CONFIG_INVALID, and a missing file with CONFIG_MISSING', async () => {
    await expect(AppConfig.load({ drainTimeoutMs: -1 } as never)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('drainTimeoutMs'),
    });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'admin: [1, 2\n');
    await expect(AppConfig.load(bad)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(AppConfig.load(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'CONFIG_MISSING' });
    await expect(AppConfig.load({ configCenter: { zookeeper: '' } } as never)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('configCenter'),
    });
  });
});
