import type { ProjectOptions } from '../options.js';

/** Admin (health, metrics) port inside the container; the manifests and Dockerfile probe it. */
export const ADMIN_PORT = 9090;
/** gRPC port in the cluster. */
export const SERVER_PORT = 50051;

/** config/stages.yaml: local runs, monolith mode (in-process calls, in-memory registry). */
export function localConfig(options: ProjectOptions): string {
  return `# Local run (npm start): in-process calls, no registry. Kubernetes mounts k8s/stages.yaml instead.
app:
  name: ${options.name}
admin:
  host: 127.0.0.1
  port: ${ADMIN_PORT} # /health/live, /health/ready, /metrics
telemetry:
  enabled: true # Prometheus metrics at /metrics on the admin port
services:
  ${options.name}:
    maxConcurrency: 64
`;
}

/**
 * k8s/stages.yaml: the same service announced in ZooKeeper and served over gRPC. Pod IP and the
 * ZooKeeper address arrive as STAGES__* variables from the Deployment, so the file needs no per-pod edits.
 */
export function clusterConfig(options: ProjectOptions): string {
  return `app:
  name: ${options.name}
server:
  protocol: grpc
  host: 0.0.0.0
  port: ${SERVER_PORT}
registry:
  type: zookeeper
  options:
    # The ensemble's client Service (the Stages shop's manifests define one named zookeeper).
    connectionString: zookeeper:2181
admin:
  host: 0.0.0.0
  port: ${ADMIN_PORT}
telemetry:
  enabled: true
drainTimeoutMs: 10000
deregisterGraceMs: 2000
services:
  ${options.name}:
    maxConcurrency: 64
`;
}
