import { AppContainer, Injectable, Rpc, Scoped, Service, scanService } from '@stages/core';
import { describe, expect, it } from 'vitest';

@Injectable()
class Clock {
  readonly id = Math.random();
}

@Scoped()
class RequestState {
  readonly id = Math.random();
  disposed = false;
  dispose() {
    this.disposed = true;
  }
}

@Injectable()
class Repo {
  constructor(readonly clock: Clock) {}
}

@Service({ name: 'orders' })
class OrderService {
  constructor(
    readonly repo: Repo,
    readonly clock: Clock,
  ) {}
  @Rpc() async get() {
    return this.clock.id;
  }
}

@Service({ name: 'carts', scope: 'call' })
class CartService {
  constructor(
    readonly state: RequestState,
    readonly clock: Clock,
  ) {}
  @Rpc() async get() {
    return this.state.id;
  }
}

describe('AppContainer', () => {
  it('injects constructor parameters from design:paramtypes, one singleton per app', () => {
    expect(Reflect.getMetadata('design:paramtypes', OrderService)).toEqual([Repo, Clock]);
    const app = new AppContainer();
    const defs = [scanService(OrderService)];
    app.prepare(defs, () => undefined);
    app.warm(defs);
    const { instance } = app.instanceFor(defs[0]!);
    const orders = instance as OrderService;
    expect(orders.repo).toBeInstanceOf(Repo);
    expect(orders.repo.clock).toBe(orders.clock);
    expect(app.instanceFor(defs[0]!).instance).toBe(orders);

    const other = new AppContainer();
    other.prepare(defs, () => undefined);
    other.warm(defs);
    expect((other.instanceFor(defs[0]!).instance as OrderService).clock).not.toBe(orders.clock);
  });

  it('gives each call its own scope and disposes it after the call, sharing singletons', async () => {
    const app = new AppContainer();
    const defs = [scanService(OrderService), scanService(CartService)];
    app.prepare(defs, () => undefined);
    app.warm(defs);
    const first = app.instanceFor(defs[1]!);
    const second = app.instanceFor(defs[1]!);
    const a = first.instance as CartService;
    const b = second.instance as CartService;
    expect(a).not.toBe(b);
    expect(a.state).not.toBe(b.state);
    expect(a.clock).toBe(b.clock);
    expect(a.clock).toBe((app.instanceFor(defs[0]!).instance as OrderService).clock);
    await first.release?.();
    expect(a.state.disposed).toBe(true);
    expect(b.state.disposed).toBe(false);
  });
});
