# Runnel: a Kafka-compatible broker. Build: docker build -t runnel .
# Run:   docker run -p 9092:9092 -p 9404:9404 -v runnel-data:/var/lib/runnel runnel
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY protocol-specs ./protocol-specs
COPY src ./src
COPY bin ./bin
COPY console ./console
COPY tsconfig.json ./
# Generates src/protocol/messages from protocol-specs and bundles the web console into console/dist.
RUN npm run gen && npm run build:console && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/src ./src
COPY --from=build /app/bin ./bin
COPY --from=build /app/console/dist ./console/dist
COPY config/server.properties /etc/runnel/server.properties
RUN mkdir -p /var/lib/runnel && chown node:node /var/lib/runnel
USER node
VOLUME ["/var/lib/runnel"]
EXPOSE 9092 9404
ENTRYPOINT ["node", "bin/runnel.js"]
CMD ["start", "--config", "/etc/runnel/server.properties", "--override", "log.dirs=/var/lib/runnel"]
