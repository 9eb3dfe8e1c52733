// What `stages k8s generate` renders for the shop: one unit (Deployment + Service + PDB + HPA) per service,
// plus the gateway, the only unit reachable from outside. Regenerate after editing:
//   node packages/cli/bin/stages.mjs k8s generate --spec examples/shop/deploy/k8s.spec.ts \
//     --out examples/shop/deploy/k8s/base/generated
import { CatalogService } from '../src/services/catalog.js';
import { InventoryService } from '../src/services/inventory.js';
import { OrderService } from '../src/services/order.js';
import { SearchService } from '../src/services/search.js';
import { UserService } from '../src/services/user.js';

const small = { requests: { cpu: '100m', memory: '160Mi' }, limits: { cpu: '500m', memory: '320Mi' } };

export default {
  app: 'shop',
  image: 'stages/shop:0.1.0',
  // The cluster's timing (deploy/profile.yaml's app section): the pod's grace period must cover it.
  config: { deregisterGraceMs: 1000, drainTimeoutMs: 10_000 },
  ports: { admin: 9090, grpc: 50051, http: 3000 },
  args: ({ services, public: isPublic }: { services: string[]; public: boolean }) =>
    isPublic ? ['--services', '', '--port', '3000'] : ['--services', services.join(','), '--no-gateway'],
  resources: small,
  // Server addresses (ConfigMap; the cloud overlay swaps in managed endpoints) and credentials (Secret).
  envFrom: [{ configMapRef: { name: 'shop-servers' } }, { secretRef: { name: 'shop-secrets' } }],
  // The profile holds the JWT secret, so it comes from a Secret, over the image's development copy.
  volumes: [{ name: 'profile', secret: { secretName: 'shop-profile' } }],
  volumeMounts: [
    { name: 'profile', mountPath: '/app/examples/shop/deploy/profile.yaml', subPath: 'profile.yaml', readOnly: true },
  ],
  units: [
    { name: 'gateway', services: [], public: true, autoscale: { min: 2, max: 10, cpuPercent: 60 } },
    { name: 'user', services: [UserService], autoscale: { min: 2, max: 6, callsPerSecond: 200 } },
    { name: 'catalog', services: [CatalogService], autoscale: { min: 2, max: 10, callsPerSecond: 300 } },
    { name: 'inventory', services: [InventoryService], autoscale: { min: 2, max: 6, callsPerSecond: 200 } },
    { name: 'order', services: [OrderService], autoscale: { min: 2, max: 8, callsPerSecond: 100 } },
    // The search index lives in memory per pod (fed by catalog events): more pods, more copies, same answers.
    {
      name: 'search',
      services: [SearchService],
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      autoscale: { min: 2, max: 6, callsPerSecond: 300 },
    },
  ],
};
