import { namesOf, type ProjectOptions } from '../options.js';

/** src/main.ts: the process entry point. */
export function mainSource(options: ProjectOptions): string {
  const n = namesOf(options.name);
  return `import { Stages } from '@stages/core';
import { ${n.className} } from './service.js';

// STAGES_CONFIG names the file (the Kubernetes manifests mount one that adds the registry and the server);
// STAGES__* variables override single values, e.g. STAGES__ADMIN__PORT=9191.
// SIGTERM starts a graceful stop: readiness off, deregister, drain in-flight calls, close clients, exit 0.
await Stages.create({
  services: [${n.className}],
  config: process.env.STAGES_CONFIG ?? 'config/stages.yaml',
}).start();
`;
}
