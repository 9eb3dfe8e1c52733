import type { RouteDefinition } from '@stages/esb';
import { z } from 'zod';
import { FlagsSchema } from '../features/features.js';

const port = z.number().int().min(0).max(65535);
const plugin = z.union([
  z.string(),
  z.object({ type: z.string(), options: z.record(z.string(), z.unknown()).optional() }),
]);

const methodOverrides = z
  .object({ maxConcurrency: z.number().int().positive().optional(), timeoutMs: z.number().positive().optional() })
  .strict();

const positiveMs = z.number().int().min(0);

/** What `esb.routes` holds: what RouteEngine.apply takes (the builder's output, YAML text, or `{ routes }`). */
export type RouteDocumentInput = string | readonly RouteDefinition[] | { readonly routes: readonly RouteDefinition[] };

/** `cache`: one two-level cache per app. Without `redis` it is level 1 only (this process's LRU, stage 1). */
const cacheSection = z
  .object({
    /** `redis://...`, or connection options (`{ url | host/port | sentinels | cluster, commandTimeoutMs, ioredis }`). */
    redis: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
    /** Level 1 bounds, per namespace; `false` turns level 1 off. */
    local: z
      .union([
        z.literal(false),
        z
          .object({
            maxEntries: z.number().int().positive().optional(),
            maxBytes: z.number().int().positive().optional(),
            ttlMs: positiveMs.optional(),
          })
          .strict(),
      ])
      .optional(),
    ttlMs: positiveMs.optional(),
    jitter: z.number().min(0).max(1).optional(),
    staleMs: positiveMs.optional(),
    absentTtlMs: positiveMs.optional(),
    lock: z
      .union([z.boolean(), z.object({ ttlMs: positiveMs.optional(), waitMs: positiveMs.optional() }).strict()])
      .optional(),
    invalidation: z.boolean().optional(),
    channel: z.string().min(1).optional(),
    delayedDeleteMs: positiveMs.optional(),
    /** Versions per namespace: raising one drops every entry of that namespace (keys are `name:vN:key`). */
    namespaces: z.record(z.string(), z.object({ version: z.number().int().min(0) }).strict()).optional(),
  })
  .strict();

const replica = z.union([
  z.string().min(1),
  z.object({ url: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() }).strict(),
]);

/** One named datasource; with `replicas` it is a read/write split (writes and read-your-writes on the primary). */
const datasourceSection = z
  .object({
    /** Inferred from the URL scheme when absent (`postgres://`, `mysql://`, `sqlite:`). */
    driver: z.enum(['sqlite', 'postgres', 'mysql']).optional(),
    url: z.string().min(1).optional(),
    /** SQLite file (`:memory:` for a private in-memory database). */
    file: z.string().min(1).optional(),
    pool: z
      .object({
        max: z.number().int().positive().optional(),
        idleTimeoutMs: positiveMs.optional(),
        connectionTimeoutMs: positiveMs.optional(),
      })
      .strict()
      .optional(),
    queryTimeoutMs: z.number().int().positive().optional(),
    /** Driver options passed through as they are (e.g. SQLite `wal`, PostgreSQL `statementTimeoutMs`). */
    options: z.record(z.string(), z.unknown()).optional(),
    replicas: z.array(replica).optional(),
    maxLagMs: positiveMs.optional(),
    healthIntervalMs: z.number().int().positive().optional(),
    replicaTimeoutMs: z.number().int().positive().optional(),
    readYourWrites: z.enum(['wal', 'primary']).optional(),
    balancer: z.enum(['round-robin', 'random']).optional(),
    /** The datasource `@InjectDataSource()` without a name gets. Default: the only one, or the one named `default`. */
    default: z.boolean().optional(),
  })
  .strict()
  .refine((d) => d.url !== undefined || d.file !== undefined, { message: 'give "url" or "file"' })
  .refine((d) => d.file === undefined || d.driver === undefined || d.driver === 'sqlite', {
    message: '"file" is for the sqlite driver; give "url" for postgres and mysql',
  });

/** `events.transport`: in-process (default), Redis Streams or Kafka. Extra fields go to the bus as options. */
const eventTransport = z.union([
  z.enum(['inproc', 'in-process']),
  z.object({ type: z.enum(['inproc', 'in-process']) }).passthrough(),
  z.object({ type: z.literal('redis-streams'), url: z.string().min(1) }).passthrough(),
  z.object({ type: z.literal('kafka'), brokers: z.array(z.string().min(1)).min(1) }).passthrough(),
]);

const eventsSection = z
  .object({
    transport: eventTransport.default('inproc'),
    /** Defaults for every `@Subscribe` (each may override): retries before the dead-letter topic, back-off. */
    subscribe: z
      .object({
        maxAttempts: z.number().int().positive().optional(),
        backoffMs: positiveMs.optional(),
        maxBackoffMs: positiveMs.optional(),
        from: z.enum(['earliest', 'latest']).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * `esb`: the app's route engine (docs/routes.md). `routes` is the document the engine takes (YAML text,
 * `{ routes: [...] }` or the list); config only carries it, so a bad route is refused by the engine with
 * ROUTE_INVALID (the running routes stay), not by this schema.
 */
const esbSection = z
  .object({
    routes: z.custom<RouteDocumentInput>((v) => v !== undefined && typeof v !== 'function').optional(),
    /** Where HTTP sources are served. Absent: no HTTP listener (topic routes still run). Fixed until restart. */
    http: z
      .object({ port: port.default(0), host: z.string().default('127.0.0.1') })
      .strict()
      .optional(),
    /** Origins `http` endpoints may call besides loopback. */
    upstreams: z.array(z.string().url()).optional(),
    bodyLimitBytes: z.number().int().positive().optional(),
  })
  .strict();

const httpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const perClientLimit = z
  .object({ max: z.number().int().positive(), timeWindowMs: z.number().int().positive() })
  .strict();

/** One gateway route as data; routes with `input`/`output` functions or schemas go in `gatewayRoutes` (code). */
const gatewayRoute = z
  .object({
    method: z.union([httpMethod, z.array(httpMethod).min(1)]),
    path: z.string().regex(/^\//),
    service: z.string().min(1),
    call: z.string().min(1),
    auth: z.boolean().optional(),
    cache: z
      .object({ ttlMs: z.number().int().positive(), vary: z.array(z.string()).optional() })
      .strict()
      .optional(),
    rateLimit: perClientLimit.optional(),
    idempotent: z.boolean().optional(),
    timeoutMs: z.number().int().positive().optional(),
    status: z.number().int().min(200).max(599).optional(),
  })
  .strict();

/** `gateway`: the app's HTTP front door (docs/gateway.md), calling services through the app's clients. */
const gatewaySection = z
  .object({
    http: z
      .object({ port: port.default(0), host: z.string().default('127.0.0.1') })
      .strict()
      .default({ port: 0, host: '127.0.0.1' }),
    routes: z.array(gatewayRoute).default([]),
    jwt: z
      .object({
        secret: z.string().min(1).optional(),
        publicKey: z.string().min(1).optional(),
        jwksUrl: z.string().url().optional(),
        algorithms: z.array(z.string()).optional(),
        issuer: z.union([z.string(), z.array(z.string())]).optional(),
        audience: z.union([z.string(), z.array(z.string())]).optional(),
        clockToleranceSec: z.number().min(0).optional(),
        subjectClaim: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** @fastify/cors options, or false. */
    cors: z.union([z.literal(false), z.record(z.string(), z.unknown())]).optional(),
    /** Gateway-wide limit per client (token subject, else address), per instance. */
    rateLimit: z.union([z.literal(false), perClientLimit]).optional(),
    bodyLimitBytes: z.number().int().positive().optional(),
    trustProxy: z.union([z.boolean(), z.string(), z.array(z.string())]).optional(),
    readinessPath: z.string().regex(/^\//).optional(),
    livenessPath: z.string().regex(/^\//).optional(),
    /** At stop: readiness false this long before the listener closes, so the reverse proxy stops sending. */
    drainMs: positiveMs.optional(),
  })
  .strict();

/**
 * The app's configuration, validated once when loaded (a wrong field fails start with CONFIG_INVALID naming it).
 * Leaving out `registry` and `server` is monolith mode: in-memory registry and in-process calls.
 */
export const StagesConfigSchema = z
  .object({
    app: z
      .object({
        name: z.string().min(1).default('stages-app'),
        /** Data center / zone this instance runs in (stage 9). */
        zone: z.string().optional(),
        tags: z.array(z.string()).default([]),
      })
      .strict()
      .default({ name: 'stages-app', tags: [] }),
    /** Network server for local services. Absent: services are served in-process only. */
    server: z
      .object({
        protocol: z.string().default('grpc'),
        host: z.string().default('127.0.0.1'),
        port: port.default(0),
        /** Address other instances should dial, when it differs from the bound one (containers, NAT). */
        advertiseHost: z.string().optional(),
        options: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional(),
    /** `memory`, `{ type: 'zookeeper', options: { connectionString } }`, `{ type: 'static', options: { providers } }`. */
    registry: plugin.optional(),
    admin: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string().default('127.0.0.1'),
        port: port.default(0),
      })
      .strict()
      .default({ enabled: true, host: '127.0.0.1', port: 0 }),
    /** Central config in ZooKeeper (stage 11): layers shared < app < profile over the local file, live. */
    configCenter: z
      .object({
        zookeeper: z.string().min(1),
        namespace: z.string().min(1),
        app: z.string().optional(),
        profile: z.string().optional(),
        required: z.boolean().optional(),
        snapshotPath: z.union([z.string(), z.literal(false)]).optional(),
        connectTimeoutMs: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    drainTimeoutMs: z.number().int().min(0).default(10_000),
    /**
     * After deregistering, keep serving new calls this long so consumers see the change before calls are
     * refused (their watches lag by a round trip). Default: 0 in monolith mode, 1000 otherwise.
     */
    deregisterGraceMs: z.number().int().min(0).optional(),
    features: FlagsSchema.default({}),
    services: z
      .record(
        z.string(),
        z
          .object({
            version: z.string().optional(),
            group: z.string().optional(),
            maxConcurrency: z.number().int().positive().optional(),
            methods: z.record(z.string(), methodOverrides).optional(),
          })
          .strict(),
      )
      .default({}),
    /** Per referenced service: which providers to call and how (passed to @stages/rpc's ServiceClient). */
    references: z
      .record(
        z.string(),
        z
          .object({
            version: z.string().optional(),
            group: z.string().optional(),
            tags: z.array(z.string()).optional(),
            balancer: plugin.optional(),
            faultTolerance: plugin.optional(),
            timeoutMs: z.number().positive().optional(),
          })
          .passthrough(),
      )
      .default({}),
    telemetry: z
      .object({
        enabled: z.boolean().default(false),
        serviceName: z.string().optional(),
        /** Prometheus scrape at /metrics on the admin port. */
        prometheus: z.boolean().default(true),
        /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
        otlpUrl: z.string().url().optional(),
      })
      .strict()
      .default({ enabled: false, prometheus: true }),
    /** The app's two-level cache (docs/integrations.md). Absent: level 1 only. */
    cache: cacheSection.optional(),
    /** Named datasources (docs/integrations.md). Absent: one SQLite file, `.stages/data/<app>.db`, opened on first use. */
    datasources: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), datasourceSection).optional(),
    /** The app's event bus and `@Subscribe` handlers (docs/integrations.md). Absent: in-process. */
    events: eventsSection.optional(),
    /** ESB routes, reloaded live from config (docs/routes.md, docs/integrations.md). Absent: no route engine. */
    esb: esbSection.optional(),
    /** The HTTP gateway onto the app's services (docs/gateway.md). Absent: no gateway, unless `gatewayRoutes` are given. */
    gateway: gatewaySection.optional(),
  })
  .passthrough();

export type StagesConfig = z.infer<typeof StagesConfigSchema>;
export type StagesConfigInput = z.input<typeof StagesConfigSchema>;
export type CacheConfig = z.infer<typeof cacheSection>;
export type DataSourceSettings = z.infer<typeof datasourceSection>;
export type EventsConfig = z.infer<typeof eventsSection>;
export type EsbConfig = z.infer<typeof esbSection>;
export type GatewayConfig = z.infer<typeof gatewaySection>;
