import 'reflect-metadata';
import { container, injectable } from 'tsyringe';
import { describe, expect, it } from 'vitest';

// Proves the test transform emits decorator metadata as tsc does: tsyringe reads `design:paramtypes`
// to build constructor arguments. Without metadata this throws "TypeInfo not known".
@injectable()
class Clock {
  now(): number {
    return 42;
  }
}

@injectable()
class Greeter {
  constructor(readonly clock: Clock) {}
}

describe('decorator metadata in tests', () => {
  it('emits design:paramtypes so tsyringe can inject constructor arguments', () => {
    expect(Reflect.getMetadata('design:paramtypes', Greeter)).toEqual([Clock]);
    const greeter = container.resolve(Greeter);
    expect(greeter.clock).toBeInstanceOf(Clock);
    expect(greeter.clock.now()).toBe(42);
  });
});
