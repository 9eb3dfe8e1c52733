import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@stages/common';
import { describe, expect, it } from 'vitest';
import { ProviderSnapshot } from '../src/zookeeper/snapshot.js';
import { instance } from './helpers.js';

const logger = createLogger('test');

describe('provider snapshot file', () => {
  it('round-trips lists through a whole-file rename, leaving no temp files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snap-'));
    const a = new ProviderSnapshot(dir, 'ns', '127.0.0.1:2181', logger);
    const p = instance({ service: 'orders' });
    a.set('orders', [p]);
    await Promise.all([a.flush(), a.flush()]);
    expect(readdirSync(dir)).toEqual([a.file.split('/').pop()]);
    const b = new ProviderSnapshot(dir, 'ns', '127.0.0.1:2181', logger);
    expect(b.get('orders')).toEqual([p]);
    // Another ensemble or namespace never reads this file.
    expect(new ProviderSnapshot(dir, 'ns', '127.0.0.1:2182', logger).get('orders')).toBeUndefined();
  });

  it('keeps the services other processes on the host wrote, replacing only its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snap-'));
    const a = new ProviderSnapshot(dir, 'ns', 'x', logger);
    const b = new ProviderSnapshot(dir, 'ns', 'x', logger);
    const orders = instance({ service: 'orders' });
    const users = instance({ service: 'users' });
    a.set('orders', [orders]);
    await a.flush();
    b.set('users', [users]);
    await b.flush();
    const merged = new ProviderSnapshot(dir, 'ns', 'x', logger);
    expect(merged.get('orders')).toEqual([orders]);
    expect(merged.get('users')).toEqual([users]);
  });

  it('skips junk entries and survives a corrupt file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'snap-'));
    const probe = new ProviderSnapshot(dir, 'ns', 'x', logger);
    const good = instance({ service: 'orders' });
    writeFileSync(probe.file, JSON.stringify({ version: 1, services: { orders: [good, { id: 7 }, 'junk'] } }));
    expect(new ProviderSnapshot(dir, 'ns', 'x', logger).get('orders')).toEqual([good]);
    writeFileSync(probe.file, '{ half a fi');
    expect(new ProviderSnapshot(dir, 'ns', 'x', logger).services()).toEqual([]);
    expect(readFileSync(probe.file, 'utf8')).toBe('{ half a fi'); // left for a human to look at
  });
});
