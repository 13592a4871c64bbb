# The ledger's API in a container; used by docker-compose.yml.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci's postinstall patches the PostgreSQL driver (scripts/patch-postgres.mjs): it must be there first.
COPY scripts/patch-postgres.mjs ./scripts/
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY events ./events
COPY projections ./projections
COPY tsconfig.json ./
# 0.0.0.0 on purpose: the reverse proxy that terminates TLS (README, "Security") reaches the API from outside this
# container. Do not publish this port to other machines without one.
ENV HOST=0.0.0.0 PORT=3000 NODE_ENV=production
EXPOSE 3000
USER node
CMD ["node", "bin/ledger.js", "serve"]
