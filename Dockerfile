# The production entry (node dist/scripts/start.js) in a container; see docs/DEPLOY.md.
#   docker build -t report-quote-bot .
#   docker run -d --name rqb -p 127.0.0.1:8080:8080 --env-file bot.env \
#     -v rqb-corpus:/data/corpus -v rqb-index:/data/index -v rqb-state:/data/state -v rqb-models:/data/models report-quote-bot
FROM node:20-bookworm-slim AS build
# hnswlib-node compiles a native addon at install.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    INDEX_DIR=/data/index \
    STATE_DIR=/data/state \
    MODEL_CACHE_DIR=/data/models \
    CORPUS_DIRS=/data/corpus \
    WEBHOOK_HOST=0.0.0.0 \
    WEBHOOK_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/models ./models
# The seed reports, on the corpus volume (a new named volume starts with them): chat uploads and /remove
# write there, and what they add outlives the container.
COPY --from=build --chown=node:node /app/corpus /data/corpus
# Writable volumes owned by the unprivileged user; the code stays read-only for it.
RUN mkdir -p /data/index /data/state /data/models && chown -R node:node /data
VOLUME ["/data/corpus", "/data/index", "/data/state", "/data/models"]
USER node
EXPOSE 8080
# /healthz answers on WEBHOOK_PORT in webhook mode; in long-polling mode set HEALTH_PORT=8080.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5m --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT>0?process.env.HEALTH_PORT:process.env.WEBHOOK_PORT)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
# node itself is PID 1 and gets the signal: answers under way are finished, then it exits 0.
# --optimize-for-size: V8 keeps its heap tight (~50 MB less, p95 a few ms more; docs/PERFORMANCE.md).
CMD ["node", "--optimize-for-size", "dist/scripts/start.js"]
