import type { GatewayRoute, RouteFunction } from '@stages/esb';
import type { Registry } from '@stages/registry';
import type { ClientTransport, ServerTransport } from '@stages/rpc';
import type { ConfigHandle } from '../config/app-config.js';
import type { StagesConfigInput } from '../config/schema.js';
import type { ReferenceClient, ReferenceSpec } from '../references/reference-client.js';
import type { ServiceClass } from '../scanner/scan-service.js';
import type { TelemetryOptions } from '../telemetry/telemetry.js';

export interface StagesOptions {
  /** Classes decorated with `@Service`, served by this process. */
  readonly services: readonly ServiceClass[];
  /**
   * Path to a YAML file, a config object, or a config built with @stages/config's createConfig. Either may name
   * a `configCenter` in ZooKeeper whose layers apply on top, live.
   */
  readonly config?: string | StagesConfigInput | ConfigHandle;
  /**
   * Where providers are announced and found. Overrides `registry` in config. Neither: an in-memory registry
   * private to this app (monolith mode).
   */
  readonly registry?: Registry;
  /** Serves local services. Overrides `server` in config. Neither: in-process only (monolith mode). */
  readonly transport?: ServerTransport;
  /** Extra client transports, by protocol (the app always has in-process, and gRPC when rpc offers it). */
  readonly clientTransports?: readonly ClientTransport[];
  /** Replace how reference clients are built (tests, custom clusters). */
  readonly clientFactory?: (spec: ReferenceSpec) => ReferenceClient;
  /** SIGTERM/SIGINT call stop(). Default true; tests turn it off. */
  readonly handleSignals?: boolean;
  /** Functions ESB routes in config may name in `fn:` (config holds data only, never code). */
  readonly routeFunctions?: Readonly<Record<string, RouteFunction>>;
  /**
   * Gateway routes declared in code (with `input`/`output` functions or zod schemas), served with the ones in
   * config `gateway.routes` on `gateway.http`.
   */
  readonly gatewayRoutes?: readonly GatewayRoute[];
  /** Extra telemetry settings config cannot hold (span processors). Telemetry runs when config enables it. */
  readonly telemetry?: Pick<TelemetryOptions, 'spanProcessors'>;
}

/** Something closed when the app stops, after calls have drained: pools, clients, consumers. */
export type StopHook = () => unknown;
