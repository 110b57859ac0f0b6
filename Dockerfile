# opsbot's container image: `docker build -t opsbot .`, then run it with the settings in the environment
# (README: "Container image and Kubernetes"). Both stages use the same image, so the better-sqlite3
# binary compiled in the first one runs in the second.
ARG NODE_VERSION=20.20.2

# Build: install everything, compile the TypeScript into dist/, then drop the dev dependencies.
FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 compiles its native module when no prebuilt binary fits.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund

# Runtime: the compiled bot and its production dependencies, owned by root, run by an unprivileged user.
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
RUN groupadd --system --gid 10001 opsbot \
  && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin opsbot \
  && mkdir /app/data \
  && chown 10001:10001 /app/data
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 10001:10001
# OPSBOT_DB defaults to ./data/opsbot.db, that is /app/data/opsbot.db: mount a volume there to keep it.
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
