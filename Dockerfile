# syntax=docker/dockerfile:1
# driftd image: `driftd serve` (default command) or `driftd worker`; see docs/deployment.md.

# --- build: compile TypeScript, then drop dev dependencies -----------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: node + git/ssh for fetching repos, nothing else ---------------------------------------
FROM node:20-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# A fixed uid so volume ownership and Kubernetes runAsUser agree.
RUN groupadd --system --gid 10001 driftd \
 && useradd --system --uid 10001 --gid driftd --home-dir /home/driftd --create-home \
      --shell /usr/sbin/nologin driftd \
 && mkdir -p /data /cache /etc/driftd \
 && chown driftd:driftd /data /cache

WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY templates ./templates
RUN ln -s /app/bin/driftd /usr/local/bin/driftd

# data_dir and tools.cache_dir, whatever the config file says (DRIFTD_* overlay, docs/configuration.md).
ENV NODE_ENV=production \
    HOME=/home/driftd \
    DRIFTD_DATA_DIR=/data \
    DRIFTD_CACHE_DIR=/cache

USER 10001:10001
VOLUME ["/data", "/cache"]
EXPOSE 8080

ENTRYPOINT ["driftd"]
CMD ["serve", "-config", "/etc/driftd/config.yaml"]
