import { describe, expect, it } from 'vitest';
import { PluginResolver, StagesError } from '../src/index.js';

interface Greeter {
  greet(): string;
}

describe('PluginResolver', () => {
  const resolver = new PluginResolver<Greeter, { word?: string }>('greeter')
    .register('hello', (o) => ({ greet: () => o?.word ?? 'hello' }))
    .register('hi', () => ({ greet: () => 'hi' }));

  it('resolves a name, a { type, options } spec, and passes instances through', () => {
    expect(resolver.resolve('hi').greet()).toBe('hi');
    expect(resolver.resolve({ type: 'hello', options: { word: 'hey' } }).greet()).toBe('hey');
    const own = { greet: () => 'own', type: 'not-a-spec' };
    class Own {
      type = 'x';
      greet() {
        return 'class';
      }
    }
    expect(resolver.resolve(own as Greeter).greet()).toBe('own');
    expect(resolver.resolve(new Own()).greet()).toBe('class');
  });

  it('fails on an unknown name with UNKNOWN_PLUGIN listing the known ones', () => {
    try {
      resolver.resolve('bonjour');
      expect.unreachable();
    } catch (error) {
      expect(StagesError.is(error, 'UNKNOWN_PLUGIN')).toBe(true);
      expect((error as Error).message).toContain('hello, hi');
    }
  });
});
