import { namesOf, type ProjectOptions } from '../options.js';

export function readme(options: ProjectOptions): string {
  const n = namesOf(options.name);
  const caps = options.capabilities.length > 0 ? options.capabilities.join(', ') : 'none';
  const env = [
    options.capabilities.includes('cache') ? '- `REDIS_URL`: Redis as level 2 of the cache (else in-process only)' : '',
    options.capabilities.includes('data')
      ? '- `DATABASE_URL`: `postgres://…`, `mysql://…` or `sqlite:file.db` (else in-memory SQLite)'
      : '',
    options.capabilities.includes('events') ? '- `EVENTS_REDIS_URL`: Redis Streams for events (else in-process)' : '',
  ].filter(Boolean);
  return `# ${n.kebab}

A Stages service (${options.mode === 'idl' ? `IDL mode: \`proto/${n.kebab}.proto\`` : 'JSON mode'}; capabilities: ${caps}).

\`\`\`sh
npm install && npm test   # builds with tsc, starts the service, calls it
npm start                 # serves it; health on http://127.0.0.1:9090/health/ready
\`\`\`

- \`src/service.ts\`: \`${n.className}\`, one \`@Rpc\` method; add methods there.
- \`config/stages.yaml\`: local config (monolith mode). \`k8s/stages.yaml\`: the cluster's (gRPC + ZooKeeper).
  Any value can be overridden with \`STAGES__SECTION__KEY\` variables.
${env.length > 0 ? `\nEnvironment:\n\n${env.join('\n')}\n` : ''}
Container and cluster:

\`\`\`sh
podman build --format docker -t ${n.kebab}:0.1.0 .   # --format docker keeps the HEALTHCHECK
kubectl apply -k k8s/
\`\`\`

SIGTERM drains in-flight calls before the process exits (readiness turns off first).
`;
}

export function gitignore(): string {
  return 'node_modules\ndist\n*.log\n';
}
