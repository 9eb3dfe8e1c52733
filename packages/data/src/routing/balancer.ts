import { PluginResolver } from '@stages/common';
import type { DataSource } from '../datasource.js';

/** Picks the replica for one read from the replicas currently healthy (never empty when called). */
export interface ReplicaBalancer {
  readonly name: string;
  pick(replicas: readonly DataSource[]): DataSource;
}

export class RoundRobinBalancer implements ReplicaBalancer {
  readonly name = 'round-robin';
  #cursor = 0;

  pick(replicas: readonly DataSource[]): DataSource {
    // The healthy list shrinks and grows as replicas leave and return: wrap the cursor rather than reset it.
    const replica = replicas[this.#cursor % replicas.length] as DataSource;
    this.#cursor = (this.#cursor + 1) % 1_000_000;
    return replica;
  }
}

export class RandomBalancer implements ReplicaBalancer {
  readonly name = 'random';
  pick(replicas: readonly DataSource[]): DataSource {
    return replicas[Math.floor(Math.random() * replicas.length)] as DataSource;
  }
}

export const replicaBalancers = new PluginResolver<ReplicaBalancer>('replica balancer')
  .register('round-robin', () => new RoundRobinBalancer())
  .register('random', () => new RandomBalancer());
