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
  })
  .passthrough();

export type StagesConfig = z.infer<typeof StagesConfigSchema>;
export type StagesConfigInput = z.input<typeof StagesConfigSchema>;
