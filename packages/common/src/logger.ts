import { trace } from '@opentelemetry/api';
import { type Logger, pino } from 'pino';

export type { Logger };

let root: Logger | undefined;

/**
 * The process-wide root logger: JSON lines on stdout, with the active span's trace and span ids on every line
 * so logs join traces. Level from STAGES_LOG_LEVEL (default `info`; tests usually set `warn`).
 */
export function rootLogger(): Logger {
  root ??= pino({
    level: process.env.STAGES_LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
    redact: { paths: ['password', '*.password', 'secret', '*.secret', 'token', '*.token', 'authorization'] },
  });
  return root;
}

/** A child logger named after the component, e.g. `createLogger('registry.zookeeper')`. */
export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ component, ...bindings });
}

/** Lets an app replace the root (for example to add a destination); children created later use it. */
export function setRootLogger(logger: Logger): void {
  root = logger;
}
