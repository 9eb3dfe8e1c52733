import { describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../src/index.js';
import { until } from '../helpers.js';
import { eventBusContract } from './contract.js';

eventBusContract('in-process', async () => new InProcessEventBus());

describe('in-process broadcast groups', () => {
  it('a closed broadcast group is dropped (no backlog grows for it); a normal group keeps its backlog', async () => {
    const bus = new InProcessEventBus();
    const got: Record<string, unknown[]> = { shared: [], own: [] };
    await (await bus.subscribe('t', 'shared', () => {})).close();
    await (await bus.subscribe('t', 'own', () => {}, { broadcast: true })).close();
    await bus.publish('t', { n: 1 });
    await bus.subscribe('t', 'shared', (m) => void got.shared!.push(m.value));
    await bus.subscribe('t', 'own', (m) => void got.own!.push(m.value), { broadcast: true });
    await bus.publish('t', { n: 2 });
    await until(() => got.shared!.length === 2 && got.own!.length === 1, 2_000, 'deliveries');
    expect(got).toEqual({ shared: [{ n: 1 }, { n: 2 }], own: [{ n: 2 }] });
    await bus.close();
  });
});
