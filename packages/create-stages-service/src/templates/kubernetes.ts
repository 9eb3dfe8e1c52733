import type { ProjectOptions } from '../options.js';
import { ADMIN_PORT, clusterConfig, SERVER_PORT } from './config.js';

/**
 * k8s/*.yaml: what one service needs to run in a cluster that already has ZooKeeper (the Stages shop's
 * manifests bring one). Same shape as `stages k8s generate` emits for the shop.
 */
export function kubernetesFiles(options: ProjectOptions): Map<string, string> {
  const name = options.name;
  const labels = (indent: string) => `app.kubernetes.io/name: ${name}\n${indent}app.kubernetes.io/part-of: stages`;
  const files = new Map<string, string>();
  files.set(
    'k8s/kustomization.yaml',
    `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - service.yaml
  - pdb.yaml
  - network-policy.yaml
configMapGenerator:
  - name: ${name}-config
    files:
      - stages.yaml
images:
  - name: ${name}
    newTag: 0.1.0
`,
  );
  files.set(
    'k8s/deployment.yaml',
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    ${labels('    ')}
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxUnavailable: 0, maxSurge: 1 }
  template:
    metadata:
      labels:
        ${labels('        ')}
        stages.io/version: 1.0.0
    spec:
      # Longer than deregisterGraceMs + drainTimeoutMs, so the drain finishes before SIGKILL.
      terminationGracePeriodSeconds: 20
      securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001 }
      containers:
        - name: ${name}
          image: ${name}:0.1.0
          ports:
            - { name: grpc, containerPort: ${SERVER_PORT} }
            - { name: admin, containerPort: ${ADMIN_PORT} }
          env:
            - { name: STAGES_CONFIG, value: /etc/stages/stages.yaml }
            # Other pods dial this address, taken from the registry entry.
            - name: STAGES__SERVER__ADVERTISE_HOST
              valueFrom: { fieldRef: { fieldPath: status.podIP } }
          volumeMounts:
            - { name: config, mountPath: /etc/stages, readOnly: true }
          readinessProbe:
            httpGet: { path: /health/ready, port: admin }
            periodSeconds: 5
            failureThreshold: 2
          livenessProbe:
            httpGet: { path: /health/live, port: admin }
            periodSeconds: 10
            failureThreshold: 3
          startupProbe:
            httpGet: { path: /health/live, port: admin }
            periodSeconds: 2
            failureThreshold: 30
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: 500m, memory: 256Mi }
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true }
      volumes:
        - name: config
          configMap: { name: ${name}-config }
`,
  );
  files.set(
    'k8s/service.yaml',
    `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels:
    ${labels('    ')}
spec:
  selector:
    app.kubernetes.io/name: ${name}
  ports:
    - { name: grpc, port: ${SERVER_PORT}, targetPort: grpc }
    - { name: admin, port: ${ADMIN_PORT}, targetPort: admin }
`,
  );
  files.set(
    'k8s/pdb.yaml',
    `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${name}
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
`,
  );
  files.set(
    'k8s/network-policy.yaml',
    `# Only other Stages pods may call this service; Prometheus (namespace "monitoring") may scrape its admin port.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/part-of: stages
      ports:
        - { port: grpc, protocol: TCP }
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: monitoring
      ports:
        - { port: admin, protocol: TCP }
`,
  );
  // Inside k8s/: kustomize reads no files above the kustomization's directory.
  files.set('k8s/stages.yaml', clusterConfig(options));
  return files;
}
