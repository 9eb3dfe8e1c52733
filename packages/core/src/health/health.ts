/** Where the app is in its life; only `ready` takes traffic. */
export type Phase = 'starting' | 'ready' | 'draining' | 'stopped';

export type HealthCheck = () => boolean | Promise<boolean>;

/**
 * Liveness says "the process works" (restart me if not); readiness says "send me traffic". Readiness is false
 * while starting and from the first moment of a drain, so a Kubernetes Service or an L4 balancer stops routing
 * here before the registry entry is even gone.
 */
export class Health {
  #phase: Phase = 'starting';
  readonly #checks = new Map<string, HealthCheck>();
  readonly #listeners = new Set<(ready: boolean) => void>();

  phase(): Phase {
    return this.#phase;
  }

  setPhase(phase: Phase): void {
    const was = this.#phase === 'ready';
    this.#phase = phase;
    const is = phase === 'ready';
    if (was !== is) for (const listener of this.#listeners) listener(is);
  }

  /** A named readiness check (a database pool, a cache); failing or throwing makes the instance not ready. */
  addCheck(name: string, check: HealthCheck): void {
    this.#checks.set(name, check);
  }

  /** Called when readiness flips, e.g. to set the gRPC health service to NOT_SERVING. */
  onReadinessChange(listener: (ready: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  live(): boolean {
    return this.#phase !== 'stopped';
  }

  async ready(): Promise<{ ready: boolean; phase: Phase; checks: Record<string, boolean> }> {
    const checks: Record<string, boolean> = {};
    await Promise.all(
      [...this.#checks].map(async ([name, check]) => {
        checks[name] = await withTimeout(check, 2_000);
      }),
    );
    const ready = this.#phase === 'ready' && Object.values(checks).every(Boolean);
    return { ready, phase: this.#phase, checks };
  }
}

async function withTimeout(check: HealthCheck, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    // A hung dependency must not hang the probe: the kubelet would time out and kill a healthy pod.
    return await Promise.race([
      Promise.resolve().then(check),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
