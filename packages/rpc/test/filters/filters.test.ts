import type { ProviderInstance } from '@stages/registry';
import { describe, expect, it } from 'vitest';
import type { CallInfo } from '../../src/balancing/balancer.js';
import { BreakerFilter } from '../../src/filters/breaker.js';
import { applyFilters, type RemovedProvider } from '../../src/filters/filter.js';
import { GroupFilter } from '../../src/filters/group.js';
import { ProtocolFilter } from '../../src/filters/protocol.js';
import { filters } from '../../src/filters/resolve.js';
import { TagFilter } from '../../src/filters/tags.js';
import { VersionFilter } from '../../src/filters/version.js';
import { ZoneFilter } from '../../src/filters/zone.js';
import { provider } from '../client/fakes.js';

const call = (tags: string[] = []): CallInfo => ({ service: 'catalog', method: 'get', payload: {}, tags });
const ids = (list: readonly ProviderInstance[]) => list.map((p) => p.id);

function explained(f: { filter: typeof VersionFilter.prototype.filter }, list: ProviderInstance[], c = call()) {
  const reasons: Record<string, string> = {};
  const kept = f.filter(list, c, (p, reason) => {
    reasons[p.id] = reason;
  });
  return { kept: ids(kept), reasons };
}

describe('version filter', () => {
  it('keeps providers inside the range and says why the others went', () => {
    const list = [provider('v1', { version: '1.4.0' }), provider('v2', { version: '2.1.0' })];
    const r = explained(new VersionFilter('^2.0.0'), list);
    expect(r.kept).toEqual(['v2']);
    expect(r.reasons.v1).toBe('version 1.4.0 does not satisfy ^2.0.0');
  });

  it('refuses a range that is not one, naming the field', () => {
    expect(() => new VersionFilter('^two')).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('filters that depend only on the provider list', () => {
  it('answer the same list with the same array, and a new list afresh, explaining as before', () => {
    const filtersToCheck = [new VersionFilter('^2.0.0'), new GroupFilter('cn'), new ProtocolFilter(new Set(['grpc']))];
    const first = [
      provider('a', { version: '2.0.0', group: 'cn', protocol: 'grpc' }),
      provider('b', { version: '1.0.0', group: 'us', protocol: 'grpc-idl' }),
    ];
    const second = [provider('c', { version: '2.1.0', group: 'cn', protocol: 'grpc' })];
    for (const f of filtersToCheck) {
      const kept = f.filter(first, call());
      expect(ids(kept)).toEqual(['a']);
      expect(f.filter(first, call())).toBe(kept);
      expect(ids(f.filter(second, call()))).toEqual(['c']);
      expect(explained(f, first).kept).toEqual(['a']);
      expect(Object.keys(explained(f, first).reasons)).toEqual(['b']);
    }
  });
});

describe('group filter', () => {
  it('matches exactly, with * for any', () => {
    const list = [provider('a', { group: 'cn' }), provider('b', { group: '' })];
    expect(explained(new GroupFilter('cn'), list)).toEqual({ kept: ['a'], reasons: { b: 'group "" is not "cn"' } });
    expect(ids(new GroupFilter('*').filter(list, call()))).toEqual(['a', 'b']);
  });
});

describe('tag filter', () => {
  const canary = provider('canary', { tags: ['canary'] });
  const plain1 = provider('plain1');
  const plain2 = provider('plain2');

  it('sends a canary call to canary providers only', () => {
    const r = explained(new TagFilter(), [canary, plain1, plain2], call(['canary']));
    expect(r.kept).toEqual(['canary']);
    expect(r.reasons.plain1).toMatch(/untagged, and providers tagged \[canary\] exist/);
  });

  it('falls back to untagged providers when no canary exists', () => {
    expect(ids(new TagFilter().filter([plain1, plain2], call(['canary'])))).toEqual(['plain1', 'plain2']);
  });

  it('keeps untagged calls off tagged providers unless nothing else is left', () => {
    const r = explained(new TagFilter(), [canary, plain1], call());
    expect(r.kept).toEqual(['plain1']);
    expect(r.reasons.canary).toMatch(/tagged \[canary\] and the call is untagged/);
    expect(ids(new TagFilter().filter([canary], call()))).toEqual(['canary']);
  });
});

describe('zone filter', () => {
  it('prefers the local zone and crosses zones only when it is empty', () => {
    const east = provider('east', { zone: 'east' });
    const west = provider('west', { zone: 'west' });
    const r = explained(new ZoneFilter('east'), [east, west]);
    expect(r.kept).toEqual(['east']);
    expect(r.reasons.west).toBe('zone west; zone east has 1 healthy');
    expect(ids(new ZoneFilter('east').filter([west], call()))).toEqual(['west']);
    expect(ids(new ZoneFilter(undefined).filter([east, west], call()))).toEqual(['east', 'west']);
  });
});

describe('breaker filter and the chain', () => {
  it('skips open breakers, so the zone filter sees only healthy providers', () => {
    const east = provider('east', { zone: 'east' });
    const west = provider('west', { zone: 'west' });
    const open = new Set(['east']);
    const breakers = {
      allows: (p: ProviderInstance) => !open.has(p.id),
      describe: () => 'circuit breaker open for 12 ms',
    };
    const chain = [new BreakerFilter(breakers), new ZoneFilter('east')];
    expect(ids(applyFilters(chain, [east, west], call()))).toEqual(['west']);
    open.clear();
    expect(ids(applyFilters(chain, [east, west], call()))).toEqual(['east']);
  });

  it('collects one reason per removed provider with the filter that removed it', () => {
    const list = [
      provider('old', { version: '1.0.0' }),
      provider('idl', { protocol: 'grpc-idl', version: '2.0.0' }),
      provider('other', { version: '2.0.0', group: 'b' }),
    ];
    const removed: RemovedProvider[] = [];
    const kept = applyFilters(
      [new ProtocolFilter(new Set(['fake'])), new VersionFilter('^2'), new GroupFilter('')],
      list,
      call(),
      removed,
    );
    expect(kept).toEqual([]);
    expect(removed.map((r) => [r.id, r.filter])).toEqual([
      ['idl', 'protocol'],
      ['old', 'version'],
      ['other', 'group'],
    ]);
  });

  it('resolves filters by name', () => {
    expect(filters.resolve({ type: 'zone', options: { zone: 'x' } }).name).toBe('zone');
    expect(() => filters.resolve('nope')).toThrowError(expect.objectContaining({ code: 'UNKNOWN_PLUGIN' }));
  });
});
