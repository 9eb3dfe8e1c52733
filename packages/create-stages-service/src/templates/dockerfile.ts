import type { ProjectOptions } from '../options.js';
import { ADMIN_PORT, SERVER_PORT } from './config.js';

/**
 * Multi-stage: the build stage has npm and the dev dependencies; the runtime stage gets node, the production
 * node_modules and the compiled output, runs as a non-root user, and starts `node` directly (exec form) so
 * SIGTERM reaches Node and the graceful drain runs. The base images are assembled locally by
 * scripts/build-base-image.sh in the Stages repository (no registry is needed); override them with
 * --build-arg on a machine that can pull.
 */
export function dockerfile(options: ProjectOptions): string {
  const proto = options.mode === 'idl';
  return `ARG NODE_IMAGE=localhost/stages/node:20
ARG RUNTIME_IMAGE=localhost/stages/node:20-runtime

FROM \${NODE_IMAGE} AS build
WORKDIR /app
# NPM_CI_FLAGS: e.g. "--offline" with a mounted npm cache (podman build -v ~/.npm:/root/.npm:O).
ARG NPM_CI_FLAGS=""
COPY package.json package-lock.json* ./
${options.localPackages?.size ? 'COPY vendor vendor\n' : ''}RUN npm ci --no-audit --no-fund $NPM_CI_FLAGS || npm install --no-audit --no-fund $NPM_CI_FLAGS
COPY tsconfig.json ./
COPY src src
COPY test test
${proto ? 'COPY proto proto\n' : ''}RUN npm run build && npm prune --omit=dev

FROM \${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production \\
    STAGES_CONFIG=config/stages.yaml \\
    STAGES__ADMIN__HOST=0.0.0.0
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist/src dist/src
${proto ? 'COPY --from=build /app/proto proto\n' : ''}COPY config config
USER 10001:10001
EXPOSE ${SERVER_PORT} ${ADMIN_PORT}
# Readiness, not liveness: a draining instance reports unhealthy so a balancer stops sending it calls.
# Follows STAGES__ADMIN__PORT when a run moves the admin port (several containers on the host network).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \\
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.STAGES__ADMIN__PORT ?? ${ADMIN_PORT}) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
`;
}

export function dockerignore(): string {
  return 'node_modules\ndist\n.git\n*.log\n';
}
