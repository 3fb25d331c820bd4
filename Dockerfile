# Build stage: compile TypeScript (and the console). Every dependency, SQLite's binary included,
# comes from the npm registry prebuilt: no compiler, no GitHub.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# the sources are not copied yet: `prepare` (the build) runs below instead
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# Run stage: only what runs, as an unprivileged user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HERALD_DATA_DIR=/data HERALD_LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./
COPY --from=build /app/config ./config
COPY --from=build /app/bin ./bin
# `herald` (the CLI) on PATH
RUN ln -s /app/bin/herald.js /usr/local/bin/herald && mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8711
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HERALD_PORT||8711)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
